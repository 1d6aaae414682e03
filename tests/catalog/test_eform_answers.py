"""A citizen's e-form answers as the officers read them: labels from the UI hints, the form's
order and sections, values written the Vietnamese way, and answers to keys the form no longer
has listed last by key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motcua.catalog.eform_answers import (
    EMPTY,
    AnswerRow,
    AnswerSection,
    eform_answers,
    number_display,
    value_display,
)
from motcua.catalog.eforms import SCHEMA_DIALECT, eform_problems, generic_eform

DEMO_EFORMS = Path(__file__).parents[2] / "src/motcua/demo/data/eforms"

# A building permit, cut down: every kind of value an e-form holds.
PERMIT = {
    "title": "Đơn đề nghị cấp giấy phép xây dựng",
    "schema": {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": {
            "owner_name": {"type": "string"},
            "owner_birth_date": {"type": "string", "format": "date"},
            "delivery": {"type": "string", "enum": ["counter", "post"]},
            "land_area": {"type": "number"},
            "floors": {"type": "integer"},
            "capital": {"type": "integer"},
            "started_on": {"type": "string"},
            "commitment": {"type": "boolean"},
            "basement": {"type": "boolean"},
            "note": {"type": "string"},
        },
    },
    "ui": {
        "order": [
            "owner_name",
            "owner_birth_date",
            "land_area",
            "floors",
            "capital",
            "started_on",
            "delivery",
            "basement",
            "commitment",
            "note",
        ],
        "fields": {
            "owner_name": {"label": "Họ và tên chủ đầu tư", "section": "Chủ đầu tư"},
            "owner_birth_date": {"label": "Ngày sinh", "section": "Chủ đầu tư"},
            "land_area": {"label": "Diện tích thửa đất (m²)", "section": "Công trình"},
            "floors": {"label": "Số tầng", "section": "Công trình"},
            "capital": {"label": "Dự toán (đồng)", "section": "Công trình"},
            "started_on": {"label": "Ngày khởi công", "widget": "date", "section": "Công trình"},
            "delivery": {
                "label": "Nhận kết quả",
                "widget": "radio",
                "section": "Đề nghị",
                "choices": {"counter": "Tại bộ phận một cửa", "post": "Qua bưu chính"},
            },
            "basement": {"label": "Có tầng hầm", "section": "Đề nghị"},
            "commitment": {"label": "Cam kết xây dựng đúng giấy phép", "section": "Đề nghị"},
            "note": {"label": "Ghi chú", "widget": "textarea", "section": "Đề nghị"},
        },
    },
}


def test_the_test_form_is_a_valid_e_form():
    assert eform_problems(PERMIT) == []


def test_answers_follow_the_form_order_and_sections_with_people_readable_values():
    answers = {
        "note": "Xây nhà ở riêng lẻ.\nKhông có tầng tum.",
        "commitment": True,
        "basement": False,
        "delivery": "post",
        "started_on": "2026-04-01",
        "capital": 1250000000,
        "floors": 3,
        "land_area": 120.5,
        "owner_birth_date": "1985-04-12",
        "owner_name": "Nguyễn Văn An",
    }
    assert eform_answers(PERMIT, answers) == [
        AnswerSection(
            title="Chủ đầu tư",
            rows=[
                AnswerRow("owner_name", "Họ và tên chủ đầu tư", "Nguyễn Văn An"),
                AnswerRow("owner_birth_date", "Ngày sinh", "12/04/1985"),
            ],
        ),
        AnswerSection(
            title="Công trình",
            rows=[
                AnswerRow("land_area", "Diện tích thửa đất (m²)", "120,5"),
                AnswerRow("floors", "Số tầng", "3"),
                AnswerRow("capital", "Dự toán (đồng)", "1.250.000.000"),
                AnswerRow("started_on", "Ngày khởi công", "01/04/2026"),
            ],
        ),
        AnswerSection(
            title="Đề nghị",
            rows=[
                AnswerRow("delivery", "Nhận kết quả", "Qua bưu chính"),
                AnswerRow("basement", "Có tầng hầm", "Không"),
                AnswerRow("commitment", "Cam kết xây dựng đúng giấy phép", "Có"),
                AnswerRow("note", "Ghi chú", "Xây nhà ở riêng lẻ.\nKhông có tầng tum."),
            ],
        ),
    ]


def test_unanswered_fields_show_a_dash_and_keys_no_longer_in_the_form_come_last():
    answers = {
        "owner_name": "Trần Thị Bình",
        "note": "   ",
        "zeta_old_question": "có",
        "applicant_ward": "Phường Thuận Hóa",
        "old_deadline": "2025-12-31",
        "old_count": 12000,
        "old_flag": False,
        "old_empty": None,
    }
    sections = eform_answers(PERMIT, answers)
    assert [s.title for s in sections] == [
        "Chủ đầu tư",
        "Công trình",
        "Đề nghị",
        "Thông tin khác (không còn trong mẫu tờ khai)",
    ]
    assert [s.unknown for s in sections] == [False, False, False, True]
    assert [(r.label, r.value) for r in sections[0].rows] == [
        ("Họ và tên chủ đầu tư", "Trần Thị Bình"),
        ("Ngày sinh", "—"),
    ]
    assert [r.value for r in sections[2].rows] == ["—", "—", "—", "—"]
    # By key, sorted, so SQLite (which keeps the order typed) and PostgreSQL's jsonb (which
    # does not) show the same page.
    assert sections[3].rows == [
        AnswerRow("applicant_ward", "applicant_ward", "Phường Thuận Hóa"),
        AnswerRow("old_count", "old_count", "12.000"),
        AnswerRow("old_deadline", "old_deadline", "31/12/2025"),
        AnswerRow("old_empty", "old_empty", "—"),
        AnswerRow("old_flag", "old_flag", "Không"),
        AnswerRow("zeta_old_question", "zeta_old_question", "có"),
    ]


def test_no_extra_section_when_every_answer_is_in_the_form():
    sections = eform_answers(PERMIT, {"owner_name": "An"})
    assert [s.title for s in sections] == ["Chủ đầu tư", "Công trình", "Đề nghị"]


def test_a_section_that_comes_back_starts_again_as_the_portal_draws_it():
    eform = {
        "schema": {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {}},
        },
        "ui": {
            "order": ["a", "b", "c"],
            "fields": {"a": {"section": "Một"}, "b": {"section": "Hai"}, "c": {"section": "Một"}},
        },
    }
    sections = eform_answers(eform, {"a": "x", "b": "y", "c": "z"})
    assert [(s.title, [r.label for r in s.rows]) for s in sections] == [
        ("Một", ["a"]),
        ("Hai", ["b"]),
        ("Một", ["c"]),
    ]


def test_labels_fall_back_to_the_schema_title_then_the_key():
    eform = {
        "schema": {
            "type": "object",
            "properties": {"a": {"type": "string", "title": "Tiêu đề A"}, "b": {}},
        },
        "ui": {"order": ["a", "b"]},
    }
    rows = eform_answers(eform, {"a": "1", "b": "2"})[0].rows
    assert [(r.label, r.value) for r in rows] == [("Tiêu đề A", "1"), ("b", "2")]


def test_an_enum_value_no_longer_offered_is_shown_as_stored():
    assert eform_answers(PERMIT, {"delivery": "email"})[2].rows[0].value == "email"


def test_the_generic_form_of_a_procedure_without_an_e_form():
    sections = eform_answers(
        generic_eform("Chứng thực"),
        {
            "applicant_full_name": "Lê Văn Cường",
            "applicant_birth_date": "1990-01-09",
            "applicant_sex": "nữ",
            "applicant_personal_id": "046085001234",
        },
    )
    assert [(s.title, len(s.rows)) for s in sections] == [("Người nộp hồ sơ", 7)]
    assert [(r.label, r.value) for r in sections[0].rows] == [
        ("Họ, chữ đệm và tên người nộp", "Lê Văn Cường"),
        ("Ngày, tháng, năm sinh", "09/01/1990"),
        ("Giới tính", "Nữ"),
        # An identity number is text: never grouped like a number.
        ("Số định danh cá nhân", "046085001234"),
        ("Nơi thường trú", "—"),
        ("Số điện thoại", "—"),
        ("Thư điện tử", "—"),
    ]


def test_a_demo_birth_registration_reads_as_the_form_does():
    eform = json.loads((DEMO_EFORMS / "1.001193.json").read_text(encoding="utf-8"))
    sections = eform_answers(
        eform,
        {
            "applicant_relationship": "mẹ",
            "child_full_name": "Nguyễn Minh Khang",
            "child_birth_date": "2026-02-20",
            "child_sex": "nam",
            "copies": 2,
        },
    )
    assert [s.title for s in sections] == [
        "Người yêu cầu đăng ký khai sinh",
        "Người được khai sinh",
        "Mẹ",
        "Cha",
        "Yêu cầu",
    ]
    assert sections[0].rows[7] == AnswerRow(
        "applicant_relationship", "Quan hệ với người được khai sinh", "Mẹ"
    )
    assert [(r.label, r.value) for r in sections[1].rows[:4]] == [
        ("Họ, chữ đệm và tên", "Nguyễn Minh Khang"),
        ("Ngày, tháng, năm sinh", "20/02/2026"),
        ("Nơi sinh", "—"),
        ("Giới tính", "Nam"),
    ]
    assert sections[4].rows == [
        AnswerRow("copies", "Số bản sao Trích lục khai sinh yêu cầu cấp", "2")
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (1250000, "1.250.000"),
        (-45000, "-45.000"),
        (120.5, "120,5"),
        (1234.25, "1.234,25"),
        (0.1, "0,1"),
        (2.0, "2"),
        (1e20, "100.000.000.000.000.000.000"),
        (-0.5, "-0,5"),
    ],
)
def test_numbers_group_thousands_with_dots_and_decimals_with_a_comma(value, shown):
    assert number_display(value) == shown


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (None, {}, EMPTY),
        ("", {}, EMPTY),
        ("  ", {}, EMPTY),
        ([], {}, EMPTY),
        (True, {}, "Có"),
        (False, {}, "Không"),
        # A boolean is not the number 1 even where labels exist for 1.
        (True, {"labels": {"1": "Một"}}, "Có"),
        ("2024-05-01", {"is_date": True}, "01/05/2024"),
        ("2024-02-30", {"is_date": True}, "2024-02-30"),  # not a date: as typed
        ("1/5/2024", {"is_date": True}, "1/5/2024"),
        ("2024-05-01", {}, "01/05/2024"),  # stored ISO dates read as dates anywhere
        ("2024-05-01T10:00", {}, "2024-05-01T10:00"),
        ("b", {"labels": {"a": "Loại A", "b": "Loại B"}}, "Loại B"),
        (2, {"labels": {"2": "Hai bản"}}, "Hai bản"),
        (["a", "b"], {"labels": {"a": "Loại A", "b": "Loại B"}}, "Loại A, Loại B"),
        ({"x": 1500}, {}, "x: 1.500"),
        ("046085001234", {}, "046085001234"),
        (float("nan"), {}, "nan"),
    ],
)
def test_values_for_people(value, kwargs, shown):
    assert value_display(value, **kwargs) == shown
