"""Personal identification numbers (§12): 12 digits = birth-registration province code
(001–096, the codes in force before 2025), a century/sex digit, two digits of the birth
year, six serial digits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.core.worktime import TZ

_CENTURIES = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}


@dataclass(frozen=True)
class PersonalId:
    number: str
    province_code: str
    female: bool
    birth_year: int


def personal_id_parse(
    number: str, *, birth_date: date | None = None, today: date | None = None
) -> PersonalId:
    """Check the structure (and, given a date of birth, the century/sex and year digits).
    The century digits reach 2199, but nobody is born after today (Asia/Ho_Chi_Minh)."""
    number = (number or "").strip()
    field = {"personal_id": "invalid"}
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise ValidationFailed("Số định danh cá nhân phải gồm đúng 12 chữ số.", fields=field)
    province = int(number[:3])
    if not 1 <= province <= 96:
        raise ValidationFailed(
            f"Số định danh cá nhân không hợp lệ: mã tỉnh nơi đăng ký khai sinh '{number[:3]}' "
            "phải từ 001 đến 096.",
            fields=field,
        )
    century_digit = int(number[3])
    if century_digit not in _CENTURIES:
        raise ValidationFailed(
            "Số định danh cá nhân không hợp lệ: chữ số thứ 4 (thế kỷ, giới tính) phải từ 0 đến 5.",
            fields=field,
        )
    year = _CENTURIES[century_digit] + int(number[4:6])
    this_year = (today or datetime.now(TZ).date()).year
    if year > this_year:
        raise ValidationFailed(
            _(
                "Số định danh cá nhân không hợp lệ: chữ số thứ 4–6 cho năm sinh %(year)d, "
                "sau năm hiện tại %(now)d."
            )
            % {"year": year, "now": this_year},
            fields={"personal_id": "birth_year_future"},
        )
    if birth_date is not None and birth_date.year != year:
        raise ValidationFailed(
            f"Số định danh cá nhân không khớp năm sinh {birth_date.year}: các chữ số 4–6 "
            f"cho năm sinh {year}.",
            fields={"personal_id": "birth_year_mismatch"},
        )
    return PersonalId(
        number=number, province_code=number[:3], female=century_digit % 2 == 1, birth_year=year
    )
