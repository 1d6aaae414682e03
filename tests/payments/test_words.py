"""Amounts in Vietnamese words, as the receipt prints them."""

from __future__ import annotations

import pytest

from motcua.payments.words import vnd_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (50_000, "Năm mươi nghìn đồng"),
        (150_000, "Một trăm năm mươi nghìn đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (2_000_000_000, "Hai tỷ đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (
            1_234_567_891,
            "Một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi "
            "mốt đồng",
        ),
    ],
)
def test_amount_in_words(amount, words):
    assert vnd_in_words(amount) == words


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        vnd_in_words(-1)
