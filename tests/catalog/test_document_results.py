"""Which earlier results may stand in for a required document (`accepts_results_of`), and the
e-form annotations that say whose data each field holds: in the import contract, in the demo
catalog, and for e-forms published before the annotations existed."""

from __future__ import annotations

import copy
import importlib
import json

import pytest

from motcua.catalog.eforms import CARRIED_SUBJECTS, eform_fields, eform_problems
from motcua.catalog.models import Procedure, RequiredDocument
from motcua.catalog.services import CatalogErrors, catalog_import
from motcua.demo.eforms import EFORMS
from tests.catalog.test_import_catalog import DEMO_CATALOG, catalog

JUDICIAL = json.loads((EFORMS / "2.000488.json").read_text(encoding="utf-8"))
legacy = importlib.import_module(
    "motcua.catalog.migrations.0004_document_results_and_eform_subjects"
)


# --- accepts_results_of ------------------------------------------------------------------------


def test_a_document_names_the_procedures_whose_results_stand_in_for_it(db):
    data = catalog()
    data["procedures"][0]["required_documents"][1]["accepts_results_of"] = [" 1.001193 "]
    catalog_import(actor=None, data=data)
    assert list(
        RequiredDocument.objects.filter(procedure__code="2.000488").values_list(
            "name", "accepts_results_of"
        )
    ) == [
        ("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", []),
        ("Văn bản ủy quyền", ["1.001193"]),
    ]


@pytest.mark.parametrize("value", ["1.001193", [""], [1001193], [None], ["x" * 40]])
def test_accepts_results_of_must_be_a_list_of_codes(db, value):
    data = catalog()
    data["procedures"][1]["required_documents"][0]["accepts_results_of"] = value
    with pytest.raises(CatalogErrors) as error:
        catalog_import(actor=None, data=data)
    assert error.value.problems == [
        (
            "procedures[1].required_documents[0].accepts_results_of",
            'phải là danh sách mã thủ tục, ví dụ ["1.001193"]',
        )
    ]
    assert Procedure.objects.count() == 0


def test_the_demo_catalog_names_only_its_own_procedures_as_result_kinds():
    data = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    codes = {p["code"] for p in data["procedures"]}
    accepting = {
        (p["code"], d["name"]): d["accepts_results_of"]
        for p in data["procedures"]
        for d in p.get("required_documents", [])
        if d.get("accepts_results_of")
    }
    assert {c for kinds in accepting.values() for c in kinds} <= codes
    # The documents that are another procedure's result, checked by hand against their names.
    assert accepting[("1.009977", "Bản chính giấy phép xây dựng đã được cấp")] == [
        "1.009994",
        "1.009972",
    ]
    assert accepting[("1.002804", "Bản chính giấy phép lái xe đề nghị đổi")] == ["1.002804"]
    assert accepting[
        (
            "1.000105",
            "Phiếu lý lịch tư pháp hoặc văn bản xác nhận không phải là người đang chấp hành "
            "hình phạt",
        )
    ] == ["2.000488"]
    assert len(accepting) == 27
    # A declaration to fill in is never somebody's earlier result.
    assert not [key for key in accepting if key[1].startswith(("Tờ khai", "Đơn"))]


# --- subject and meaning -----------------------------------------------------------------------


def test_every_demo_eform_field_says_whose_data_it_holds():
    for path in sorted(EFORMS.glob("*.json")):
        eform = json.loads(path.read_text(encoding="utf-8"))
        assert eform_problems(eform) == [], path.stem
        missing = [f.name for f in eform_fields(eform) if f.about is None]
        assert missing == [], path.stem
    judicial = {f.name: f.about for f in eform_fields(JUDICIAL)}
    assert judicial["father_full_name"] == ("applicant.father", "full_name")
    assert judicial["mother_full_name"] == ("applicant.mother", "full_name")
    assert judicial["spouse_full_name"] == ("applicant.spouse", "full_name")
    birth = json.loads((EFORMS / "1.001193.json").read_text(encoding="utf-8"))
    carried = {f.name for f in eform_fields(birth) if f.carried}
    # On a birth registration only the applicant's own particulars are the applicant's.
    assert carried == {
        "applicant_full_name",
        "applicant_birth_date",
        "applicant_sex",
        "applicant_personal_id",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
    }
    assert {
        "applicant",
        "applicant.father",
        "applicant.mother",
        "applicant.spouse",
    } == CARRIED_SUBJECTS


def test_subject_and_meaning_are_checked_and_the_name_based_source_is_refused():
    form = copy.deepcopy(JUDICIAL)
    hints = form["ui"]["fields"]
    hints["father_full_name"]["source"] = "store.father_full_name"
    hints["mother_full_name"]["subject"] = "Mẹ"
    del hints["spouse_full_name"]["meaning"]
    hints["purpose"].update(subject="applicant", meaning="full_name")
    assert eform_problems(form) == [
        (
            "ui.fields.father_full_name.source",
            "không còn dùng: giá trị không được lấy theo tên trường; hãy khai báo “subject” "
            "(người có thông tin) và “meaning” (thông tin gì)",
        ),
        (
            "ui.fields.mother_full_name.subject",
            "phải là người có thông tin, ví dụ applicant, applicant.father, applicant.mother, "
            "applicant.spouse, child, deceased",
        ),
        (
            "ui.fields.spouse_full_name.meaning",
            "phải là tên thông tin (chữ thường, số, gạch dưới), ví dụ full_name",
        ),
        (
            "ui.fields.purpose",
            "trùng người và thông tin (applicant, full_name) với trường 'applicant_full_name'",
        ),
    ]


def test_eforms_published_before_subjects_keep_only_what_was_the_applicants_own():
    form = copy.deepcopy(JUDICIAL)
    for hint in form["ui"]["fields"].values():
        hint.pop("subject", None), hint.pop("meaning", None)
    hints = form["ui"]["fields"]
    hints["applicant_full_name"]["source"] = "registry.full_name"
    hints["applicant_phone"]["source"] = ["user.phone", "store.applicant_phone"]
    hints["father_full_name"]["source"] = "store.father_full_name"

    assert legacy._convert(form) is True

    assert eform_problems(form) == []
    about = {f.name: f.about for f in eform_fields(form) if f.about}
    assert about == {
        "applicant_full_name": ("applicant", "full_name"),
        "applicant_phone": ("applicant", "phone"),
    }
    assert legacy._convert(form) is False
