"""E-forms: the definition check (in the import contract too), Vietnamese validation
messages, where prefilled values come from, and the generic form."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.eforms import (
    date_display,
    date_parse,
    eform_errors,
    eform_fields,
    eform_problems,
    generic_eform,
)
from motcua.catalog.models import Procedure
from motcua.catalog.services import CatalogErrors, catalog_import, procedure_eform_set
from motcua.core.models import AuditEvent
from motcua.demo.eforms import EFORMS, demo_eforms_load
from motcua.integration.registry import RegistryPerson
from motcua.portal.eforms import (
    ACCOUNT,
    DEFAULT,
    REGISTRY,
    STORE,
    Known,
    answers_about,
    known_values,
    registry_person,
    store_answers,
)
from tests.factories import CitizenFactory, ProcedureFactory
from tests.portal.apply_fixtures import (  # noqa: F401
    AN_AS_FATHER,
    AN_JUDICIAL,
    BINH_JUDICIAL,
    BIRTH_EFORM,
    EARLIER,
    JUDICIAL_EFORM,
    _media,
    birth,
    earlier,
    judicial,
    known_citizen,
    online_draft,
)
from tests.verbs import dossier_submit

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

AN = RegistryPerson(
    personal_id="046085001234",
    full_name="Nguyễn Văn An",
    birth_date=date(1985, 4, 12),
    sex="nam",
    permanent_address="20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
)


# --- validation messages ---------------------------------------------------------------------


def test_each_kind_of_schema_error_has_its_vietnamese_message():
    errors = eform_errors(
        BIRTH_EFORM,
        {
            "applicant_full_name": "A",
            "applicant_birth_date": "1985-04-12",
            "applicant_sex": "nam",
            "applicant_personal_id": "04608500123",
            "applicant_address": "Huế",
            "applicant_phone": "090512345x",
            "applicant_email": "khong-phai-email",
            "applicant_relationship": "chú",
            "child_full_name": "Nguyễn Minh Anh",
            "child_birth_date": "31/02/2026",
            "child_birth_place": "Huế",
            "child_sex": "nữ",
            "child_ethnicity": "Kinh",
            "child_nationality": "Việt Nam",
            "mother_full_name": "Lê Thị Hồng",
            "mother_birth_date": "1990-02-20",
            "mother_ethnicity": "Kinh",
            "mother_nationality": "Việt Nam",
            "copies": "hai",
        },
    )
    assert errors == {
        "applicant_full_name": "Phải có ít nhất 2 ký tự.",
        "applicant_personal_id": "Không đúng định dạng: 12 chữ số.",
        "applicant_phone": "Không đúng định dạng: 8 đến 15 chữ số.",
        "applicant_email": "Địa chỉ thư điện tử không hợp lệ.",
        "applicant_relationship": "Phải chọn một trong các giá trị cho sẵn.",
        "child_birth_date": "Ngày không hợp lệ; hãy viết theo dạng dd/mm/yyyy.",
        "mother_residence": "Phải điền “Nơi cư trú”.",
        "copies": "Phải là số nguyên.",
    }


def test_numbers_out_of_range_and_unknown_fields():
    form = copy.deepcopy(BIRTH_EFORM)
    errors = eform_errors(form, {"copies": 21, "khong_co": "x"})
    assert errors["copies"] == "Không được lớn hơn 20."
    assert errors[""] == "Tờ khai có trường không thuộc mẫu."
    assert eform_errors(form, {"copies": -1})["copies"] == "Không được nhỏ hơn 0."


def test_a_complete_declaration_has_no_errors():
    data = dict(EARLIER)
    data.update(
        applicant_full_name="Nguyễn Văn An",
        applicant_birth_date="1985-04-12",
        applicant_sex="nam",
        applicant_personal_id="046085001234",
        applicant_address="Huế",
        applicant_phone="0905123456",
    )
    assert eform_errors(BIRTH_EFORM, data) == {}


def test_dates_are_typed_dd_mm_yyyy_and_stored_iso():
    assert date_parse("3/2/2026") == "2026-02-03"
    assert date_parse("03.02.2026") == "2026-02-03"
    assert date_parse("31/02/2026") == "31/02/2026"  # kept, so the schema reports it
    assert date_display("2026-02-03") == "03/02/2026"


# --- definitions -----------------------------------------------------------------------------


def test_every_demo_eform_is_valid_and_the_demo_publishes_them(db):
    files = sorted(p.stem for p in EFORMS.glob("*.json"))
    assert files == [
        "1.000656",
        "1.000894",
        "1.001029",
        "1.001193",
        "1.002804",
        "1.004194",
        "1.004222",
        "1.004227",
        "1.009994",
        "1.012766",
        "1.012790",
        "1.013201",
        "1.013202",
        "2.000190",
        "2.000488",
        "2.000591",
        "2.000720",
        "2.000815",
    ]
    for code in files:
        ProcedureFactory(code=code)
    assert demo_eforms_load() == 18
    birth_form = Procedure.objects.get(code="1.001193").eform
    assert [f.name for f in eform_fields(birth_form)][:3] == [
        "applicant_full_name",
        "applicant_birth_date",
        "applicant_sex",
    ]
    assert AuditEvent.objects.filter(action="catalog.eform_set").count() == 18


def test_a_schema_that_breaks_the_metaschema_is_reported_where_it_breaks():
    form = copy.deepcopy(BIRTH_EFORM)
    form["schema"]["properties"]["copies"]["minimum"] = "không"
    assert eform_problems(form) == [
        (
            "schema.properties.copies.minimum",
            "không hợp lệ theo JSON Schema draft 2020-12: 'không' is not of type 'number'",
        )
    ]


def test_hints_must_name_fields_widgets_and_sources_that_exist():
    form = copy.deepcopy(BIRTH_EFORM)
    form["ui"]["order"].remove("copies")
    form["ui"]["fields"]["child_sex"]["widget"] = "slider"
    form["ui"]["fields"]["child_full_name"]["source"] = "registry.passport"
    form["ui"]["covers_documents"] = [0]
    problems = dict(eform_problems(form))
    assert sorted(problems) == [
        "ui.covers_documents",
        "ui.fields.child_full_name.source",
        "ui.fields.child_sex.widget",
        "ui.order",
    ]
    assert problems["ui.order"] == "trường 'copies' phải có đúng một lần"


def test_the_import_contract_checks_an_eform_and_keeps_one_when_absent(db, agency):
    record = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "sector": "Hộ tịch",
        "level": "commune",
        "time_limit": "1 d",
        "online": "full",
        "agencies": [agency.code],
        "eform": BIRTH_EFORM,
    }
    catalog_import(actor=None, data={"procedures": [record]})
    assert Procedure.objects.get(code="1.001193").eform == BIRTH_EFORM
    bad = copy.deepcopy(BIRTH_EFORM)
    bad["schema"]["type"] = "nothing"
    with pytest.raises(CatalogErrors) as error:
        catalog_import(actor=None, data={"procedures": [{**record, "eform": bad}]})
    assert [where for where, _why in error.value.problems] == ["procedures[0].eform.schema.type"]
    # Absent: the published e-form stays; null: it is withdrawn.
    catalog_import(
        actor=None, data={"procedures": [{k: v for k, v in record.items() if k != "eform"}]}
    )
    assert Procedure.objects.get(code="1.001193").eform == BIRTH_EFORM
    catalog_import(actor=None, data={"procedures": [{**record, "eform": None}]})
    assert Procedure.objects.get(code="1.001193").eform is None


def test_publishing_an_eform_through_the_service_refuses_a_bad_one(db):
    procedure = ProcedureFactory(code="9.100001")
    with pytest.raises(CatalogErrors) as error:
        procedure_eform_set(actor=None, procedure=procedure, eform={"schema": {}, "ui": {}})
    assert error.value.problems == [
        ("9.100001.eform.schema", 'phải có type "object" và ít nhất một trường (properties)')
    ]
    procedure.refresh_from_db()
    assert procedure.eform is None


# --- prefill ---------------------------------------------------------------------------------


def test_prefill_comes_from_registry_account_and_earlier_dossiers(known_citizen, earlier):
    fields = eform_fields(BIRTH_EFORM)
    known = known_values(fields, person=AN, user=known_citizen, store=store_answers(known_citizen))
    # The earlier registration's mother and the applicant's relationship were about another
    # child: that registration's own, never offered again. A man registering a birth is
    # presumed its father until he answers otherwise: the form says so ("cha", a default he
    # changes) and his own record fills the father's fields; with no spouse in his record,
    # the mother's stay empty. One copy is the form's declared default.
    assert {name: (hit.value, hit.kind) for name, hit in known.items()} == {
        "applicant_full_name": ("Nguyễn Văn An", REGISTRY),
        "applicant_birth_date": ("1985-04-12", REGISTRY),
        "applicant_sex": ("nam", REGISTRY),
        "applicant_personal_id": ("046085001234", ACCOUNT),
        "applicant_address": ("20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế", REGISTRY),
        "applicant_phone": ("0905123456", ACCOUNT),
        "applicant_email": ("nguyenvanan@example.vn", ACCOUNT),
        "father_full_name": ("Nguyễn Văn An", REGISTRY),
        "father_birth_date": ("1985-04-12", REGISTRY),
        "father_residence": ("20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế", REGISTRY),
        "father_personal_id": ("046085001234", REGISTRY),
        "applicant_relationship": ("cha", DEFAULT),
        "copies": (1, DEFAULT),
    }


def _filed(citizen, procedure, agency, form_data, at):
    dossier = online_draft(citizen, procedure, agency, form_data=form_data, at=at)
    return dossier_submit(actor=citizen, dossier=dossier, at=at)


def test_a_childs_parents_are_never_offered_as_the_applicants_own(
    known_citizen, birth, judicial, agency
):
    """The defect as shipped: An registered his son's birth (father: himself, mother: his
    wife); his judicial-record form then showed himself as his own father and his wife as his
    mother, "filled from an earlier dossier". Bình, a second person in the registry, has her
    own earlier judicial-record declaration, which is hers alone."""
    _filed(known_citizen, birth, agency, {**EARLIER, **AN_AS_FATHER}, MONDAY)
    binh = CitizenFactory(
        username="046192005678", personal_id="046192005678", full_name="Trần Thị Bình"
    )
    _filed(binh, judicial, agency, BINH_JUDICIAL, MONDAY)
    fields = eform_fields(JUDICIAL_EFORM)

    an = known_values(
        fields,
        person=registry_person(known_citizen),
        user=known_citizen,
        store=store_answers(known_citizen),
    )
    # His parents and wife are the registry's (the people his record links to him), never
    # himself and the child's mother.
    assert {name: (hit.value, hit.kind) for name, hit in an.items()} == {
        "applicant_full_name": ("Nguyễn Văn An", REGISTRY),
        "applicant_birth_date": ("1985-04-12", REGISTRY),
        "applicant_sex": ("nam", REGISTRY),
        "applicant_ethnicity": ("Kinh", REGISTRY),
        "applicant_nationality": ("Việt Nam", REGISTRY),
        "applicant_personal_id": ("046085001234", ACCOUNT),
        "applicant_address": ("20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế", REGISTRY),
        "applicant_phone": ("0905123456", ACCOUNT),
        "applicant_email": ("nguyenvanan@example.vn", ACCOUNT),
        "father_full_name": ("Nguyễn Văn Hùng", REGISTRY),
        "mother_full_name": ("Lê Thị Lan", REGISTRY),
        "spouse_full_name": ("Trần Thị Bình", REGISTRY),
        "copies": (1, DEFAULT),
    }
    assert store_answers(known_citizen) == {}

    binh_known = known_values(
        fields, person=registry_person(binh), user=binh, store=store_answers(binh)
    )
    # The registry's record comes first; what only she declared (her birth place) is hers.
    assert {name: (hit.value, hit.kind) for name, hit in binh_known.items()} == {
        "applicant_full_name": ("Trần Thị Bình", REGISTRY),
        "applicant_birth_date": ("1992-09-03", REGISTRY),
        "applicant_sex": ("nữ", REGISTRY),
        "applicant_ethnicity": ("Kinh", REGISTRY),
        "applicant_nationality": ("Việt Nam", REGISTRY),
        "applicant_personal_id": ("046192005678", ACCOUNT),
        "applicant_address": ("151 Bà Triệu, phường An Cựu, thành phố Huế", REGISTRY),
        "applicant_birth_place": ("Huế", STORE),
        "father_full_name": ("Trần Văn Bảo", REGISTRY),
        "mother_full_name": ("Hồ Thị Cúc", REGISTRY),
        "spouse_full_name": ("Nguyễn Văn An", REGISTRY),
        "copies": (1, DEFAULT),
    }


def test_the_same_subject_is_reused_even_when_a_later_dossier_speaks_of_another(
    known_citizen, birth, judicial, agency
):
    # An's own earlier judicial-record declaration names his real parents; a later birth
    # registration names him as the child's father. The newer dossier is not about An's father.
    _filed(known_citizen, judicial, agency, AN_JUDICIAL, MONDAY)
    _filed(known_citizen, birth, agency, {**EARLIER, **AN_AS_FATHER}, MONDAY + timedelta(days=1))

    assert store_answers(known_citizen) == {
        ("applicant", "ethnicity"): "Kinh",
        ("applicant.father", "full_name"): "Nguyễn Văn Bảo",
        ("applicant.mother", "full_name"): "Phan Thị Cẩm",
        ("applicant.spouse", "full_name"): "Lê Thị Hồng",
    }
    known = known_values(
        eform_fields(JUDICIAL_EFORM), person=None, user=None, store=store_answers(known_citizen)
    )
    assert {name: hit.value for name, hit in known.items()} == {
        "applicant_ethnicity": "Kinh",
        "father_full_name": "Nguyễn Văn Bảo",
        "mother_full_name": "Phan Thị Cẩm",
        "spouse_full_name": "Lê Thị Hồng",
        "copies": 1,  # the form's default
    }
    # And back on a birth registration, none of it fills the child's parents: only the
    # form's default of one copy.
    assert known_values(
        eform_fields(BIRTH_EFORM), person=None, user=None, store=store_answers(known_citizen)
    ) == {"copies": Known(value=1, kind=DEFAULT)}


def test_the_store_takes_the_most_recent_answer_and_skips_drafts(known_citizen, judicial, agency):
    def make(form_data, at, *, submit=True):
        dossier = online_draft(known_citizen, judicial, agency, form_data=form_data, at=at)
        if submit:
            dossier_submit(actor=known_citizen, dossier=dossier, at=at)
        return dossier

    make({"father_full_name": "Tên cũ", "applicant_ethnicity": "Tày"}, MONDAY)
    make({"father_full_name": "Nguyễn Văn Bảo", "applicant_ethnicity": ""}, MONDAY + timedelta(1))
    make({"father_full_name": "Bản nháp bỏ dở"}, MONDAY + timedelta(2), submit=False)
    assert store_answers(known_citizen) == {
        ("applicant.father", "full_name"): "Nguyễn Văn Bảo",
        ("applicant", "ethnicity"): "Tày",
    }
    # Another citizen's dossiers are never theirs to prefill from.
    assert store_answers(CitizenFactory(personal_id="001090000099")) == {}


def test_a_field_without_a_subject_is_never_prefilled():
    form = copy.deepcopy(JUDICIAL_EFORM)
    for hint in form["ui"]["fields"].values():
        hint.pop("subject"), hint.pop("meaning")
    fields = eform_fields(form)
    assert answers_about(fields, AN_JUDICIAL) == {}
    store = {("applicant.father", "full_name"): "Nguyễn Văn Bảo"}
    # Only the form's own default, which is nobody's data.
    assert known_values(fields, person=AN, user=None, store=store) == {
        "copies": Known(value=1, kind=DEFAULT)
    }


def test_only_the_applicant_and_their_parents_and_spouse_are_carried():
    birth = eform_fields(BIRTH_EFORM)
    assert answers_about(birth, {**EARLIER, **AN_AS_FATHER, "applicant_full_name": "An"}) == {
        ("applicant", "full_name"): "An"
    }
    death = eform_fields(json.loads((EFORMS / "1.000656.json").read_text(encoding="utf-8")))
    assert answers_about(death, {"deceased_full_name": "Nguyễn Văn Bảo", "copies": 1}) == {}


def test_a_stored_answer_outside_the_fields_choices_is_not_offered(known_citizen):
    fields = eform_fields(JUDICIAL_EFORM)
    store = {("applicant", "result_delivery"): "bằng bồ câu"}
    assert "delivery" not in known_values(fields, person=None, user=None, store=store)


# --- the generic form ------------------------------------------------------------------------


def test_a_procedure_without_eform_gets_the_applicant_fields_only(known_citizen):
    form = generic_eform("Cấp giấy phép bưu chính")
    assert eform_problems(form) == []
    fields = eform_fields(form)
    assert [(f.name, f.required) for f in fields] == [
        ("applicant_full_name", True),
        ("applicant_birth_date", True),
        ("applicant_sex", False),
        ("applicant_personal_id", True),
        ("applicant_address", True),
        ("applicant_phone", False),
        ("applicant_email", False),
    ]
    known = known_values(fields, person=AN, user=known_citizen, store={})
    assert len(known) == 7
    assert form["ui"]["covers_documents"] == []


def test_a_required_checkbox_asks_to_be_ticked():
    land = json.loads((EFORMS / "1.012790.json").read_text(encoding="utf-8"))
    assert eform_errors(land, {})["commitment_pay"] == (
        "Phải đánh dấu “Cam kết nộp đủ tiền sử dụng đất theo quy định”."
    )
    assert eform_errors(land, {"commitment_pay": False})["commitment_pay"] == (
        "Phải đánh dấu mục này."
    )


def test_the_admin_form_checks_an_eform_like_the_import(db):
    from django.core.exceptions import ValidationError

    from motcua.catalog.models import validate_eform

    validate_eform(BIRTH_EFORM)
    validate_eform(None)
    with pytest.raises(ValidationError) as error:
        validate_eform({"schema": {"type": "object", "properties": {"a": {"type": "chữ"}}}})
    assert error.value.messages == [
        "schema.properties.a.type: không hợp lệ theo JSON Schema draft 2020-12: 'chữ' is not "
        "valid under any of the given schemas"
    ]
