"""Result texts are filled with the e-form answers as people read them."""

from __future__ import annotations

import json
from pathlib import Path

from motcua.catalog.models import Procedure
from motcua.directory.models import Agency
from motcua.dossiers.models import Dossier
from motcua.esign.results import BLANK, result_text_default

EFORMS = Path(__file__).parents[2] / "src" / "motcua" / "demo" / "data" / "eforms"


def _dossier(code: str, form_data: dict) -> Dossier:
    procedure = Procedure(
        code=code,
        name="Thủ tục thử",
        eform=json.loads((EFORMS / f"{code}.json").read_text(encoding="utf-8")),
    )
    return Dossier(
        code="000.00.20.H46-261125-0007",
        procedure=procedure,
        agency=Agency(name="Công an phường Thuận Hóa"),
        applicant_name="Nguyễn Văn An",
        applicant_id_number="046085001234",
        applicant_address="12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
        form_data=form_data,
    )


def test_temporary_residence_prints_the_place_of_stay_and_a_vietnamese_date():
    text = result_text_default(
        _dossier("1.004194", {"new_address": "5 Hùng Vương, Huế", "stay_until": "2027-12-31"})
    )
    assert "Nơi tạm trú: 5 Hùng Vương, Huế\n" in text
    assert "Thời hạn tạm trú: 31/12/2027." in text
    assert "12 Lê Lợi" not in text


def test_household_business_capital_is_grouped_and_missing_answers_are_blank():
    text = result_text_default(_dossier("2.000720", {"capital": 150_000_000}))
    assert "4. Vốn kinh doanh: 150.000.000\n" in text
    assert f"1. Tên hộ kinh doanh: {BLANK}\n" in text
    assert "Mã số hộ kinh doanh: 000.00.20.H46-261125-0007" in text
