"""Vietnamese text folding for search: no diacritics, `đ` → `d`, lower case, single spaces."""

from __future__ import annotations

import unicodedata

import pytest

from motcua.core.text import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký  Khai sinh", "dang ky khai sinh"),
        ("Cấp Phiếu lý lịch tư pháp", "cap phieu ly lich tu phap"),
        ("ĐỒNG ĐỀU đường", "dong deu duong"),
        ("Thủ tục hành chính", "thu tuc hanh chinh"),
        ("Ưu tiên Ơn huệ", "uu tien on hue"),
        ("ỹ ỵ ẵ ặ ẩ ợ ữ", "y y a a a o u"),
        ("  Sở   Tư\tpháp\n Hà Nội  ", "so tu phap ha noi"),
        ("\u00a0Giấy\u00a0phép\u2003xây dựng", "giay phep xay dung"),
        ("2.000488", "2.000488"),
        ("dang ky", "dang ky"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_treats_composed_and_decomposed_input_alike():
    composed = unicodedata.normalize("NFC", "Đăng ký kết hôn")
    decomposed = unicodedata.normalize("NFD", "Đăng ký kết hôn")

    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "dang ky ket hon"


def test_fold_is_idempotent():
    once = fold("Giấy chứng nhận  Quyền sử dụng Đất")

    assert fold(once) == once == "giay chung nhan quyen su dung dat"
