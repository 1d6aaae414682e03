"""Demo people: staff accounts per agency and citizens. Names are common Vietnamese names;
personal IDs follow the §12 structure (birth-province code, century/sex digit, birth year)."""

from __future__ import annotations

import random
from dataclasses import dataclass

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Tôn Nữ",
    "Lê Văn",
    "Trương",
    "Đinh",
    "Cao",
]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Đình"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Mai", "Diệu"]
GIVEN_MALE = [
    "An",
    "Bảo",
    "Cường",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khoa",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Huy",
]
GIVEN_FEMALE = [
    "Anh",
    "Bình",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Yến",
]
STREETS = [
    "Lê Lợi",
    "Hùng Vương",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Lê Duẩn",
    "Điện Biên Phủ",
    "Phan Đình Phùng",
    "Hai Bà Trưng",
    "Nguyễn Trãi",
    "Bà Triệu",
    "Đống Đa",
    "Lý Thường Kiệt",
]
# Birth-registration provinces (pre-2025 codes, §12): Thừa Thiên Huế, Quảng Trị, Đà Nẵng, Hà Nội.
BIRTH_PROVINCES = ["046", "046", "046", "045", "048", "001"]


@dataclass(frozen=True)
class Person:
    full_name: str
    personal_id: str
    female: bool
    birth_year: int
    address: str


def person_id(rng: random.Random, *, birth_year: int, female: bool, serial: int) -> str:
    century = {1900: 0, 2000: 2, 2100: 4}[birth_year // 100 * 100] + (1 if female else 0)
    return f"{rng.choice(BIRTH_PROVINCES)}{century}{birth_year % 100:02d}{serial:06d}"


def random_person(rng: random.Random, serial: int, wards: list[str]) -> Person:
    female = rng.random() < 0.5
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    year = rng.randint(1950, 2006)
    return Person(
        full_name=f"{rng.choice(FAMILY)} {middle} {given}",
        personal_id=person_id(rng, birth_year=year, female=female, serial=serial),
        female=female,
        birth_year=year,
        address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(wards)}, thành phố Huế",
    )
