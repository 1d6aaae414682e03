from __future__ import annotations

from datetime import date

import pytest

from motcua.core.errors import ValidationFailed
from motcua.core.ids import personal_id_parse


def test_a_valid_number_tells_province_sex_and_year():
    parsed = personal_id_parse("046192005678")
    assert (parsed.province_code, parsed.female, parsed.birth_year) == ("046", True, 1992)
    assert personal_id_parse("001205000001").birth_year == 2005


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("04619200567", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("04619200567a", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("０４６１９２００５６７８", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        (
            "000192005678",
            "Số định danh cá nhân không hợp lệ: mã tỉnh nơi đăng ký khai sinh '000' "
            "phải từ 001 đến 096.",
        ),
        (
            "097192005678",
            "Số định danh cá nhân không hợp lệ: mã tỉnh nơi đăng ký khai sinh '097' "
            "phải từ 001 đến 096.",
        ),
        (
            "046692005678",
            "Số định danh cá nhân không hợp lệ: chữ số thứ 4 (thế kỷ, giới tính) phải từ 0 đến 5.",
        ),
    ],
)
def test_bad_structures_are_refused(number, message):
    with pytest.raises(ValidationFailed) as refused:
        personal_id_parse(number)
    assert refused.value.message == message


def test_the_century_digit_must_match_the_date_of_birth():
    assert personal_id_parse("046192005678", birth_date=date(1992, 9, 3)).female
    with pytest.raises(ValidationFailed) as refused:
        personal_id_parse("046192005678", birth_date=date(2092, 9, 3))
    assert refused.value.fields == {"personal_id": "birth_year_mismatch"}
