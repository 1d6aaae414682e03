"""What the population registry links to the applicant fills a form: their ethnicity and
nationality, their parents and spouse, and in a birth registration the other parent from the
spouse's own record — only that record, only when the registry links the two both ways, and
nothing (and no error) when the registry cannot be asked. Real data: the local registry file
(integration/data/registry.json): An and Bình are one family, Vinh and Oanh another."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import date

import pytest

from motcua.catalog.eforms import eform_fields
from motcua.demo.eforms import EFORMS
from motcua.integration.registry import (
    LocalRegistry,
    RegistryPerson,
    RegistryUnavailable,
    Relative,
)
from motcua.portal.eforms import (
    ACCOUNT,
    DEFAULT,
    REGISTRY,
    known_values,
    needs_spouse,
    registry_person,
    registry_spouse,
)
from tests.factories import CitizenFactory
from tests.portal.apply_fixtures import (  # noqa: F401
    BIRTH_EFORM,
    JUDICIAL_EFORM,
    birth,
    judicial,
    known_citizen,
)

pytestmark = pytest.mark.django_db

URL = "/thu-tuc/1.001193/nop/"
AN_ADDRESS = "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế"
BINH, QUYNH = "046192005678", "045171005002"  # Quỳnh: no spouse in the registry
VINH, OANH = "046084005001", "048197005003"

AN_AS_FATHER = {
    "father_full_name": ("Nguyễn Văn An", REGISTRY),
    "father_birth_date": ("1985-04-12", REGISTRY),
    "father_ethnicity": ("Kinh", REGISTRY),
    "father_nationality": ("Việt Nam", REGISTRY),
    "father_residence": (AN_ADDRESS, REGISTRY),
    "father_personal_id": ("046085001234", REGISTRY),
}


def _citizen(personal_id: str):
    return CitizenFactory(username=personal_id, personal_id=personal_id)


def _known(user, fields=None, answers=None) -> dict[str, tuple]:
    """As the application page computes it."""
    person = registry_person(user)
    known = known_values(
        fields or eform_fields(BIRTH_EFORM),
        person=person,
        user=user,
        store={},
        spouse=registry_spouse(user, person),
        answers=answers or {},
    )
    return {name: (hit.value, hit.kind) for name, hit in known.items()}


def _parents(known: dict[str, tuple]) -> dict[str, tuple]:
    prefixes = ("father_", "mother_", "child_")
    return {name: hit for name, hit in known.items() if name.startswith(prefixes)}


class CountingRegistry(LocalRegistry):
    """The local file, remembering which IDs were asked for and why."""

    asked: list[tuple[str, str]] = []

    def lookup(self, personal_id, *, actor=None, purpose=""):
        CountingRegistry.asked.append((personal_id, purpose))
        return super().lookup(personal_id, actor=actor, purpose=purpose)


class SpouseDownRegistry(LocalRegistry):
    """Answers for the applicant; cannot be asked about anyone else now."""

    def lookup(self, personal_id, *, actor=None, purpose=""):
        if purpose == "apply_prefill_spouse":
            raise RegistryUnavailable("population_registry: down")
        return super().lookup(personal_id, actor=actor, purpose=purpose)


class DownRegistry:
    def lookup(self, personal_id, **context):
        raise RegistryUnavailable("population_registry: down")


# --- the birth registration: the other parent is the spouse ---------------------------------


def test_the_fathers_wife_fills_the_mothers_fields(known_citizen):
    known = _known(known_citizen)
    assert _parents(known) == {
        **AN_AS_FATHER,
        "mother_full_name": ("Trần Thị Bình", REGISTRY),
        "mother_birth_date": ("1992-09-03", REGISTRY),
        "mother_ethnicity": ("Kinh", REGISTRY),
        "mother_nationality": ("Việt Nam", REGISTRY),
        "mother_residence": ("151 Bà Triệu, phường An Cựu, thành phố Huế", REGISTRY),
        "mother_personal_id": (BINH, REGISTRY),
        # Both parents Vietnamese and Kinh: the child is too (Luật Quốc tịch art. 15, BLDS
        # art. 29).
        "child_ethnicity": ("Kinh", REGISTRY),
        "child_nationality": ("Việt Nam", REGISTRY),
    }
    # He is presumed the father (a default he changes), one copy is the form's default;
    # what only the citizen knows stays for him to type.
    assert known["applicant_relationship"] == ("cha", DEFAULT)
    assert known["copies"] == (1, DEFAULT)
    for name in ("child_full_name", "child_birth_date", "child_birth_place", "child_sex"):
        assert name not in known


def test_an_applicant_without_a_spouse_in_the_registry_gets_no_other_parent(settings):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_registry_relations.CountingRegistry"
    CountingRegistry.asked = []
    quynh = _citizen(QUYNH)
    assert _parents(_known(quynh)) == {
        "mother_full_name": ("Lê Minh Quỳnh", REGISTRY),
        "mother_birth_date": ("1971-06-05", REGISTRY),
        "mother_ethnicity": ("Kinh", REGISTRY),
        "mother_nationality": ("Việt Nam", REGISTRY),
        "mother_residence": ("250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế", REGISTRY),
        "mother_personal_id": (QUYNH, REGISTRY),
    }
    # Nobody else was looked up.
    assert CountingRegistry.asked == [(QUYNH, "apply_prefill")]


def test_a_second_family_fills_its_own_and_a_mixed_ethnicity_is_left_to_the_parents():
    vinh = _parents(_known(_citizen(VINH)))
    assert vinh["father_full_name"] == ("Trần Đức Vinh", REGISTRY)
    assert vinh["mother_full_name"] == ("Trương Ngọc Oanh", REGISTRY)
    assert vinh["mother_ethnicity"] == ("Mường", REGISTRY)
    assert vinh["mother_personal_id"] == (OANH, REGISTRY)
    assert vinh["child_nationality"] == ("Việt Nam", REGISTRY)
    # Kinh and Mường: the parents choose (BLDS art. 29), so it is not prefilled.
    assert "child_ethnicity" not in vinh
    assert "Trần Thị Bình" not in str(vinh) and "Nguyễn Văn An" not in str(vinh)

    # Oanh registering the child: she is the mother, her husband the father.
    oanh = _parents(_known(_citizen(OANH)))
    assert oanh["mother_full_name"] == ("Trương Ngọc Oanh", REGISTRY)
    assert oanh["mother_residence"] == (
        "29 Phan Đình Phùng, phường An Cựu, thành phố Huế",
        REGISTRY,
    )
    assert oanh["father_full_name"] == ("Trần Đức Vinh", REGISTRY)
    assert oanh["father_birth_date"] == ("1984-01-27", REGISTRY)
    assert oanh["father_personal_id"] == (VINH, REGISTRY)


@pytest.mark.parametrize("relationship", ["ông", "bà", "người thân thích khác"])
def test_a_grandparent_or_relative_is_given_no_parents(known_citizen, relationship, settings):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_registry_relations.CountingRegistry"
    CountingRegistry.asked = []
    answers = {"applicant_relationship": relationship}
    person = registry_person(known_citizen)
    fields = eform_fields(BIRTH_EFORM)
    assert not needs_spouse(fields, answers)  # so the page asks nothing about the wife
    known = known_values(fields, person=person, user=known_citizen, store={}, answers=answers)
    assert _parents({name: (hit.value, hit.kind) for name, hit in known.items()}) == {}
    assert CountingRegistry.asked == [("046085001234", "apply_prefill")]


def test_answering_mother_makes_the_applicant_the_mother(known_citizen):
    known = _known(known_citizen, answers={"applicant_relationship": "mẹ"})
    assert known["mother_full_name"] == ("Nguyễn Văn An", REGISTRY)
    assert known["father_full_name"] == ("Trần Thị Bình", REGISTRY)


def test_a_spouse_whose_record_does_not_link_back_is_not_used(known_citizen):
    claimed = RegistryPerson(
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        birth_date=date(1985, 4, 12),
        sex="nam",
        permanent_address=AN_ADDRESS,
        spouse=Relative(QUYNH, "Lê Minh Quỳnh"),
    )
    assert registry_spouse(known_citizen, claimed) is None
    assert registry_spouse(known_citizen, None) is None


# --- other forms: the applicant's own people, never a partner --------------------------------


def test_the_judicial_record_form_takes_parents_and_spouse_from_the_registry(known_citizen):
    known = _known(known_citizen, fields=eform_fields(JUDICIAL_EFORM))
    assert {name: known[name] for name in known if name not in ("applicant_phone",)} == {
        "applicant_full_name": ("Nguyễn Văn An", REGISTRY),
        "applicant_birth_date": ("1985-04-12", REGISTRY),
        "applicant_sex": ("nam", REGISTRY),
        "applicant_ethnicity": ("Kinh", REGISTRY),
        "applicant_nationality": ("Việt Nam", REGISTRY),
        "applicant_personal_id": ("046085001234", ACCOUNT),
        "applicant_address": (AN_ADDRESS, REGISTRY),
        "applicant_email": ("nguyenvanan@example.vn", ACCOUNT),
        "father_full_name": ("Nguyễn Văn Hùng", REGISTRY),
        "mother_full_name": ("Lê Thị Lan", REGISTRY),
        "spouse_full_name": ("Trần Thị Bình", REGISTRY),
        "copies": (1, DEFAULT),  # one Phiếu, the form's declared default
    }


def test_a_marriage_partner_is_never_filled(known_citizen):
    marriage = json.loads((EFORMS / "1.000894.json").read_text(encoding="utf-8"))
    known = _known(known_citizen, fields=eform_fields(marriage))
    assert not [name for name in known if name.startswith("partner_")]
    assert "Trần Thị Bình" not in str(known)


# --- the page ---------------------------------------------------------------------------------


def _fields(response) -> dict[str, tuple[str, str]]:
    return {
        v.name: (v.value, v.prefilled)
        for section in response.context["sections"]
        for v in section["fields"]
    }


def test_the_page_shows_the_mother_from_the_registry(client, birth, known_citizen):
    client.force_login(known_citizen)
    fields = _fields(client.get(URL))
    assert fields["mother_full_name"] == ("Trần Thị Bình", "Đã điền sẵn từ CSDL quốc gia về dân cư")
    assert fields["mother_birth_date"][0] == "03/09/1992"
    assert fields["child_nationality"][0] == "Việt Nam"


def test_the_spouse_unreachable_leaves_the_mother_to_type(client, birth, known_citizen, settings):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_registry_relations.SpouseDownRegistry"
    client.force_login(known_citizen)
    response = client.get(URL)
    assert response.status_code == 200
    fields = _fields(response)
    assert fields["applicant_full_name"][0] == "Nguyễn Văn An"
    assert fields["father_full_name"][0] == "Nguyễn Văn An"
    for name in ("mother_full_name", "mother_birth_date", "child_ethnicity", "child_nationality"):
        assert fields[name] == ("", "")


def test_the_registry_down_prefills_nothing_and_the_page_works(
    client, birth, known_citizen, settings
):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_registry_relations.DownRegistry"
    client.force_login(known_citizen)
    response = client.get(URL)
    assert response.status_code == 200
    fields = _fields(response)
    assert {name: hit for name, hit in fields.items() if hit[1]} == {
        "applicant_personal_id": ("046085001234", "Đã điền sẵn từ tài khoản của bạn"),
        "applicant_phone": ("0905123456", "Đã điền sẵn từ tài khoản của bạn"),
        "applicant_email": ("nguyenvanan@example.vn", "Đã điền sẵn từ tài khoản của bạn"),
        "copies": ("1", "Giá trị thường dùng, sửa nếu cần"),
    }
    assert 'data-testid="registry-down"' in response.content.decode()


def test_the_judicial_page_starts_with_one_copy_marked_as_the_default(
    client, judicial, known_citizen
):
    client.force_login(known_citizen)
    fields = _fields(client.get("/thu-tuc/2.000488/nop/"))
    assert fields["copies"] == ("1", "Giá trị thường dùng, sửa nếu cần")
