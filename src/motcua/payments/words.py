"""Amounts in Vietnamese words, as a receipt writes them ("Bằng chữ: ...")."""

from __future__ import annotations

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
SCALES = ["", "nghìn", "triệu", "tỷ"]


def _triple(number: int, *, leading: bool) -> list[str]:
    """Three digits; `leading` when nothing bigger is said before them (no "không trăm")."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 4 and tens >= 2:
        words.append("tư")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def number_in_words(number: int) -> str:
    if number < 0:
        raise ValueError("negative amount")
    if number == 0:
        return "không"
    groups: list[int] = []
    while number:
        groups.append(number % 1000)
        number //= 1000
    words: list[str] = []
    top = len(groups) - 1
    for index in range(top, -1, -1):
        group = groups[index]
        if group == 0:
            # "tỷ" carries over thousands of billions (1 000 000 000 000 = một nghìn tỷ).
            if index % 3 == 0 and index and any(groups[index + 1 : index + 3]):
                words.append("tỷ")
            continue
        words += _triple(group, leading=index == top)
        scale = SCALES[index % 3] if index % 3 else ("tỷ" if index else "")
        if scale:
            words.append(scale)
    return " ".join(words)


def vnd_in_words(amount: int) -> str:
    """150000 → 'Một trăm năm mươi nghìn đồng'."""
    text = number_in_words(amount) + " đồng"
    return text[0].upper() + text[1:]
