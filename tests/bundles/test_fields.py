"""The union of the members' fields: a field meaning the same thing asked once; a request's
own fields never merged; each member's answers read back under its own names."""

from __future__ import annotations

from motcua.bundles.fields import bundle_form, member_answers, union_errors
from motcua.catalog.eforms import Field


def _field(name: str, about: tuple[str, str] | None, *, required: bool = False, section="A"):
    return Field(
        name=name,
        label=name,
        widget="text",
        help="",
        section=section,
        required=required,
        schema={"type": "string"},
        choices=[],
        about=about,
    )


BIRTH = [
    _field("applicant_full_name", ("applicant", "full_name"), required=True),
    _field("child_full_name", ("child", "full_name"), required=True, section="B"),
    _field("copies", ("request", "copies"), section="C"),
]
RESIDENCE = [
    _field("applicant_full_name", ("applicant", "full_name")),
    _field("ho_ten_tre", ("child", "full_name"), section="B"),
    _field("copies", ("request", "copies"), required=True, section="C"),
    _field("note", None, section="C"),
]


def test_a_field_meaning_the_same_thing_is_asked_once():
    form = bundle_form([(1, BIRTH), (2, RESIDENCE)])

    assert [f.name for f in form.fields] == [
        "applicant_full_name",
        "child_full_name",
        "copies",
        "m1_copies",
        "note",
    ]
    assert form.names[2] == {
        "applicant_full_name": "applicant_full_name",
        "ho_ten_tre": "child_full_name",
        "copies": "m1_copies",
        "note": "note",
    }


def test_a_merged_field_is_required_when_any_member_requires_it():
    form = bundle_form([(1, RESIDENCE), (2, BIRTH)])

    by_name = {f.name: f for f in form.fields}
    assert by_name["applicant_full_name"].required is True
    assert by_name["ho_ten_tre"].required is True  # the birth registration requires it
    assert "child_full_name" not in by_name


def test_each_member_reads_its_answers_under_its_own_names_and_errors_come_back_named():
    form = bundle_form([(1, BIRTH), (2, RESIDENCE)])
    answers = {"applicant_full_name": "An", "child_full_name": "Khang", "m1_copies": 2}

    assert member_answers(form, 1, answers) == {
        "applicant_full_name": "An",
        "child_full_name": "Khang",
    }
    assert member_answers(form, 2, answers) == {
        "applicant_full_name": "An",
        "ho_ten_tre": "Khang",
        "copies": 2,
    }
    assert union_errors(form, 2, {"ho_ten_tre": "Bắt buộc", "copies": "Sai"}) == {
        "child_full_name": "Bắt buộc",
        "m1_copies": "Sai",
    }
