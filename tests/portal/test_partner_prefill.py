"""The other party of a marriage registration (issue 16): the applicant types the partner's
full name and personal ID, and the population registry's record of that person fills the
partner's birth date, ethnicity, nationality and residence — only when the record bears the
name typed, so an ID alone reveals nobody. Through the look-up endpoint the page's script
calls, and on the server when a posted or saved form carries both."""

from __future__ import annotations

import json
import socket

import pytest

from motcua.catalog.eforms import eform_fields
from motcua.core.models import AuditEvent
from motcua.demo.eforms import EFORMS
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier
from motcua.integration.registry import RegistryUnavailable
from motcua.portal.eforms import (
    REGISTRY,
    Known,
    known_values,
    partner_lookup,
    partner_of_answers,
    registry_person,
)
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff

pytestmark = pytest.mark.django_db

URL = "/nop-ho-so/nguoi-ket-hon-cung/"
MARRIAGE_EFORM = json.loads((EFORMS / "1.000894.json").read_text(encoding="utf-8"))
QUYNH = ("045171005002", "Lê Minh Quỳnh")
LABEL = "Đã điền sẵn từ CSDL quốc gia về dân cư"
NOT_FOUND = (
    "Không tìm thấy trong CSDL quốc gia về dân cư người có số định danh và họ tên này. Hãy "
    "kiểm tra lại, hoặc tự điền thông tin người kết hôn cùng."
)
QUYNH_VALUES = {
    "partner_birth_date": Known("1971-06-05", REGISTRY, looked_up=True),
    "partner_ethnicity": Known("Kinh", REGISTRY, looked_up=True),
    "partner_nationality": Known("Việt Nam", REGISTRY, looked_up=True),
    "partner_residence": Known(
        "250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế", REGISTRY, looked_up=True
    ),
}


class DownRegistry:
    def lookup(self, personal_id, **context):
        raise RegistryUnavailable("population_registry: down")


@pytest.fixture
def citizen():
    return CitizenFactory(
        username="046085001234", personal_id="046085001234", full_name="Nguyễn Văn An"
    )


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the rule -------------------------------------------------------------------------------


def test_the_name_need_not_match_in_case_or_spacing(citizen):
    found = partner_lookup(" 045171005002 ", "  lê minh   QUỲNH ", user=citizen)
    assert found.person is not None
    assert (found.person.personal_id, found.person.full_name) == QUYNH


def test_a_name_that_is_not_the_records_is_answered_as_an_unknown_id(citizen):
    wrong_name = partner_lookup(QUYNH[0], "Lê Minh Quỳnh Anh", user=citizen)
    unknown_id = partner_lookup("046199009999", QUYNH[1], user=citizen)
    assert (wrong_name.person, wrong_name.error, wrong_name.invalid) == (None, NOT_FOUND, False)
    assert (unknown_id.person, unknown_id.error, unknown_id.invalid) == (None, NOT_FOUND, False)


@pytest.mark.parametrize(
    ("personal_id", "name", "error"),
    [
        ("04517100500", QUYNH[1], "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("04517100500x", QUYNH[1], "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        (QUYNH[0], " ", "Hãy nhập họ, chữ đệm và tên của người kết hôn cùng."),
        (
            "046085001234",
            "Nguyễn Văn An",
            "Số định danh của người kết hôn cùng không thể là số của chính bạn.",
        ),
    ],
)
def test_malformed_input_is_refused_with_the_rule(citizen, personal_id, name, error):
    found = partner_lookup(personal_id, name, user=citizen)
    assert (found.person, found.error, found.invalid, found.down) == (None, error, True, False)


def test_the_registry_down_is_said_and_nothing_is_filled(citizen, settings):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_partner_prefill.DownRegistry"
    found = partner_lookup(*QUYNH, user=citizen)
    assert (found.person, found.down) == (None, True)


def test_known_values_fill_the_partners_particulars_but_never_the_name_or_id(citizen):
    fields = eform_fields(MARRIAGE_EFORM)
    answers = {"partner_personal_id": QUYNH[0], "partner_full_name": QUYNH[1]}
    partner = partner_of_answers(fields, answers, user=citizen).person
    known = known_values(
        fields,
        person=registry_person(citizen),
        user=citizen,
        store={},
        partner=partner,
        answers=answers,
    )
    assert {name: hit for name, hit in known.items() if name.startswith("partner_")} == (
        QUYNH_VALUES
    )
    # Either missing: nothing asked.
    assert partner_of_answers(fields, {"partner_full_name": QUYNH[1]}, user=citizen).person is None
    assert partner_of_answers(fields, {"partner_personal_id": QUYNH[0]}, user=citizen) == (
        partner_of_answers(fields, {}, user=citizen)
    )


# --- the look-up endpoint -------------------------------------------------------------------


def test_the_endpoint_answers_the_particulars_for_a_matching_name(client, citizen):
    client.force_login(citizen)
    response = client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]})
    assert response.status_code == 200
    assert response.json() == {
        "found": True,
        "values": {
            "birth_date": "05/06/1971",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "residence": "250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế",
        },
        "label": LABEL,
    }


def test_the_endpoint_refuses_a_bad_id_and_hides_whether_an_id_exists(client, citizen):
    client.force_login(citizen)
    bad = client.get(URL, {"so": "123", "ten": QUYNH[1]})
    assert (bad.status_code, bad.json()) == (
        400,
        {"found": False, "message": "Số định danh cá nhân phải gồm đúng 12 chữ số."},
    )
    wrong_name = client.get(URL, {"so": QUYNH[0], "ten": "Trần Thị Bình"})
    unknown = client.get(URL, {"so": "046199009999", "ten": QUYNH[1]})
    assert (wrong_name.status_code, wrong_name.json()) == (unknown.status_code, unknown.json())
    assert (unknown.status_code, unknown.json()["message"]) == (404, NOT_FOUND)


def test_the_registry_down_is_a_plain_notice_and_the_lookup_is_audited(
    client, citizen, settings, closed_port
):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry_http.HttpRegistry"
    settings.MOTCUA_REGISTRY_URL = f"http://127.0.0.1:{closed_port}/dancu/api/v1"
    settings.MOTCUA_REGISTRY_RETRIES = 0
    client.force_login(citizen)
    response = client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]})
    assert response.status_code == 503
    assert response.json()["message"].startswith("Hiện không kết nối được CSDL quốc gia về dân cư.")
    rows = AuditEvent.objects.filter(action="registry.request")
    assert [(r.actor_id, r.data["purpose"], r.data["outcome"]) for r in rows] == [
        (citizen.pk, "apply_prefill_partner", "unavailable")
    ]
    # The audit names no one: neither the ID nor the name looked up.
    assert QUYNH[0] not in json.dumps(rows[0].data) and "Quỳnh" not in json.dumps(rows[0].data)


def test_anonymous_visitors_are_sent_to_sign_in_and_staff_refused(client):
    response = client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]})
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
    client.force_login(staff(Role.RECEPTION, AgencyFactory()))
    assert client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]}).status_code == 403


# --- the apply page without JavaScript ------------------------------------------------------


def test_a_saved_draft_with_the_partners_id_and_name_comes_back_filled(client, citizen):
    agency = AgencyFactory(code="000.00.21.H46", name="UBND phường Thuận Hóa")
    ProcedureFactory(
        code="1.000894",
        name="Đăng ký kết hôn",
        time_limit="5 wd",
        agencies=[agency],
        eform=MARRIAGE_EFORM,
    )
    client.force_login(citizen)
    page = client.get("/thu-tuc/1.000894/nop/")
    token = page.context["start_token"]
    response = client.post(
        "/thu-tuc/1.000894/nop/",
        {
            "phieu": token,
            "co_quan": agency.code,
            "partner_full_name": "Lê Minh Quỳnh",
            "partner_personal_id": QUYNH[0],
            "hanh_dong": "luu_nhap",
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    # The draft holds what was typed; the registry's values come back on the page.
    assert "partner_birth_date" not in dossier.form_data
    draft = client.get(response["Location"])
    fields = {
        v.name: (v.value, v.prefilled) for s in draft.context["sections"] for v in s["fields"]
    }
    assert fields["partner_birth_date"] == ("05/06/1971", LABEL)
    assert fields["partner_residence"] == (
        "250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế",
        LABEL,
    )
    assert fields["partner_full_name"] == ("Lê Minh Quỳnh", "")
    # A name that is not the record's: nothing filled, and the page says why.
    response = client.post(
        response["Location"],
        {
            "phien_ban": dossier.version,
            "co_quan": agency.code,
            "partner_full_name": "Lê Minh Quân",
            "partner_personal_id": QUYNH[0],
            "hanh_dong": "luu_nhap",
        },
    )
    draft = client.get(response["Location"])
    fields = {
        v.name: (v.value, v.prefilled) for s in draft.context["sections"] for v in s["fields"]
    }
    assert fields["partner_birth_date"] == ("", "")
    assert NOT_FOUND in draft.content.decode()


def test_a_days_lookups_are_limited_and_each_is_recorded_without_whom(client, citizen, settings):
    settings.MOTCUA_PARTNER_LOOKUPS_PER_DAY = 2
    client.force_login(citizen)
    assert client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]}).status_code == 200
    assert client.get(URL, {"so": QUYNH[0], "ten": "Người Khác"}).status_code == 404
    third = client.get(URL, {"so": QUYNH[0], "ten": QUYNH[1]})
    assert (third.status_code, third.json()["message"]) == (
        429,
        "Bạn đã tra cứu người kết hôn cùng 2 lần hôm nay. Hãy tự điền thông tin người kết hôn "
        "cùng, hoặc tra cứu lại vào ngày mai.",
    )
    rows = AuditEvent.objects.filter(action="registry.partner_lookup").order_by("pk")
    assert [(r.actor_id, r.data) for r in rows] == [
        (citizen.pk, {"found": True}),
        (citizen.pk, {"found": False}),
    ]
    # Malformed input is refused before it counts.
    assert client.get(URL, {"so": "12", "ten": QUYNH[1]}).status_code == 400
