"""One rule for a person's name (NFC, no hidden or control characters, at least one letter)
and the personal ID's birth year (§12: the century digit reaches 2199, but not the future),
at the counter and on the portal, with the exact Vietnamese messages."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date

import pytest

from motcua.core.errors import ValidationFailed
from motcua.core.ids import personal_id_parse
from motcua.core.names import person_name_clean
from motcua.dossiers.models import Dossier

HIDDEN = (
    "Họ và tên có ký tự ẩn hoặc ký tự điều khiển (ví dụ ký tự độ rộng bằng 0, ký tự đảo "
    "chiều văn bản). Hãy gõ lại họ và tên, không dán từ nơi khác."
)
NO_LETTERS = "Họ và tên phải có ít nhất một chữ cái."
FUTURE_2190 = (
    "Số định danh cá nhân không hợp lệ: chữ số thứ 4–6 cho năm sinh 2190, sau năm hiện tại 2026."
)
TODAY = date(2026, 12, 5)


def test_a_name_is_stored_nfc_and_single_spaced():
    decomposed = "Nguye\u0302\u0303n  Thi\u0323\tHo\u0302\u0300ng"
    cleaned = person_name_clean(decomposed)
    assert cleaned == "Nguyễn Thị Hồng"
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert len(cleaned) == 15
    assert person_name_clean("Công ty TNHH Số 1") == "Công ty TNHH Số 1"


@pytest.mark.parametrize(
    "name",
    [
        "\u200b\u200c\u200d",  # zero-width only
        "\u202e\u202d\x07",  # right-to-left override, left-to-right override, bell
        "Nguyễn\u202eAn",  # a name that reads differently from what it holds
        "Trần\u2066Bình\u2069",  # isolates
        "Lê\u00adVăn",  # soft hyphen (Cf)
        "Phạm\x1cAn",  # a C0 separator Python's split() would take for a space
        "Võ\ue000An",  # private use
    ],
)
def test_hidden_characters_are_refused(name):
    with pytest.raises(ValidationFailed) as refused:
        person_name_clean(name)
    assert refused.value.message == HIDDEN
    assert refused.value.fields == {"applicant_name": "hidden_characters"}


@pytest.mark.parametrize("name", ["12345", "- . -", "=1+1"])
def test_a_name_without_letters_is_refused(name):
    with pytest.raises(ValidationFailed) as refused:
        person_name_clean(name, field="full_name")
    assert refused.value.message == NO_LETTERS
    assert refused.value.fields == {"full_name": "no_letters"}


def test_a_birth_year_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        personal_id_parse("046490001234", today=TODAY)
    assert refused.value.message == FUTURE_2190
    assert refused.value.fields == {"personal_id": "birth_year_future"}
    with pytest.raises(ValidationFailed):
        personal_id_parse("046227001234", today=TODAY)  # 2027
    # This year and the last century still pass; 0/1 are the 1900s, 2/3 the 2000s.
    assert personal_id_parse("046226001234", today=TODAY).birth_year == 2026
    assert personal_id_parse("046199001234", today=TODAY).birth_year == 1999


def test_today_is_the_date_in_ho_chi_minh_city(monkeypatch):
    # 31/12/2025 18:00 UTC is already 01/01/2026 in Vietnam: a child born that day is valid.
    import motcua.core.ids as ids

    class Clock:
        @staticmethod
        def now(tz):
            from datetime import datetime

            return datetime(2025, 12, 31, 18, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(ids, "datetime", Clock)
    assert personal_id_parse("046226001234").birth_year == 2026


# ---------------------------------------------------------------- at the counter and online

django_db = pytest.mark.django_db
WALK_IN = "/mot-cua/tiep-nhan/moi/"


@django_db
@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"applicant_name": "\u200b\u202e\x07"}, HIDDEN),
        ({"applicant_name": "0912 345 678"}, NO_LETTERS),
        (
            {"applicant_name": "Nguyễn Văn An", "applicant_id_number": "046490001234"},
            "Số định danh cá nhân không hợp lệ: chữ số thứ 4–6 cho năm sinh 2190, sau năm hiện tại",
        ),
    ],
)
def test_the_counter_refuses_such_a_walk_in(client, reception, agency, procedure, post, message):
    client.force_login(reception)
    response = client.post(
        f"{WALK_IN}?co_quan={agency.code}&thu_tuc={procedure.code}",
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": "046085001234",
            **post,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dossier.objects.count() == 0


@django_db
def test_the_counter_stores_the_name_nfc(client, reception, agency, procedure):
    client.force_login(reception)
    response = client.post(
        f"{WALK_IN}?co_quan={agency.code}&thu_tuc={procedure.code}",
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": "046092001234",
            "applicant_name": "Nguye\u0302\u0303n Thi\u0323 Hoa",
        },
    )
    assert response.status_code == 302
    assert Dossier.objects.get().applicant_name == "Nguyễn Thị Hoa"


@django_db
def test_the_dossier_service_refuses_a_hidden_name_from_any_page(citizen, agency, procedure):
    from motcua.dossiers.models import Channel
    from motcua.dossiers.services import dossier_create

    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name="\u202eAn",
        )
    assert refused.value.message == HIDDEN
    assert Dossier.objects.count() == 0


@django_db
def test_the_online_declaration_stores_the_name_nfc_and_refuses_hidden_characters(walker):
    from motcua.dossiers.services import dossier_apply_online

    draft = walker.create()
    version = draft.version

    def declare(name: str) -> Dossier:
        return dossier_apply_online(
            actor=walker.citizen,
            procedure=draft.procedure,
            dossier=draft,
            form_data={},
            agency=draft.agency,
            applicant={"applicant_name": name},
            registry_used=False,
            fee_choice=None,
            files=[],
            submit=False,
        )

    with pytest.raises(ValidationFailed) as refused:
        declare("Lê\u200bVăn\u202eAn")
    assert refused.value.message == HIDDEN
    assert Dossier.objects.get(pk=draft.pk).version == version

    declare("Le\u0302 Va\u0306n An")
    assert Dossier.objects.get(pk=draft.pk).applicant_name == "Lê Văn An"


def test_every_name_in_a_declaration_follows_the_rule():
    from motcua.catalog.eforms import SCHEMA_DIALECT, eform_errors

    eform = {
        "title": "Tờ khai đăng ký khai sinh",
        "schema": {
            "$schema": SCHEMA_DIALECT,
            "type": "object",
            "properties": {
                "full_name": {"type": "string"},
                "father_full_name": {"type": "string"},
                "note": {"type": "string"},
            },
        },
        "ui": {
            "order": ["full_name", "father_full_name", "note"],
            "fields": {
                "full_name": {
                    "label": "Họ và tên",
                    "subject": "applicant",
                    "meaning": "full_name",
                },
                "father_full_name": {
                    "label": "Họ và tên cha",
                    "subject": "applicant.father",
                    "meaning": "full_name",
                },
                "note": {"label": "Ghi chú"},
            },
        },
    }
    data = {"full_name": "\u202e\u200b", "father_full_name": "1234", "note": "\u200b"}

    assert eform_errors(eform, data) == {"full_name": HIDDEN, "father_full_name": NO_LETTERS}
    assert eform_errors(eform, {"full_name": "Lê Văn An", "father_full_name": "Lê Văn Bình"}) == {}
