"""The gateways' signature: HMAC-SHA512 over the parameters sorted by key, urlencoded."""

from __future__ import annotations

from motcua.payments.signing import canonical, sign, signature_valid

PARAMS = {
    "sb_TxnRef": "MC261129ABCDEFGH23",
    "sb_OrderInfo": "Thanh toan phi ho so TN-1",
    "sb_ResponseCode": "00",
    "sb_Amount": "15000000",
}
# Computed by hand, independently of this code (the canonical string below):
#   printf '%s' "$CANONICAL" | openssl dgst -sha512 -hmac 'bi-mat'
VECTOR = (
    "7d055a931aa5dd19f104c4e652fe439d085b688ed54114a4285800e6999d7de4"
    "3b26a461db0624e01116cf0b2d3a7577bc39187b451a72923076181f187b9754"
)


def test_canonical_form_sorts_by_key_and_urlencodes_values():
    assert canonical(PARAMS) == (
        "sb_Amount=15000000&sb_OrderInfo=Thanh+toan+phi+ho+so+TN-1"
        "&sb_ResponseCode=00&sb_TxnRef=MC261129ABCDEFGH23"
    )


def test_hmac_sha512_matches_the_hand_computed_vector():
    assert sign(PARAMS, "bi-mat") == VECTOR


def test_hash_parameters_and_empty_values_are_left_out():
    noisy = {**PARAMS, "sb_SecureHash": "abc", "sb_SecureHashType": "SHA512", "sb_BankCode": ""}
    assert sign(noisy, "bi-mat", exclude=("sb_SecureHash", "sb_SecureHashType")) == VECTOR


def test_vietnamese_text_is_utf8_percent_encoded():
    assert canonical({"b": "Lệ phí", "a": "x&y=z"}) == "a=x%26y%3Dz&b=L%E1%BB%87+ph%C3%AD"


def test_signature_check():
    assert signature_valid(PARAMS, VECTOR, "bi-mat") is True
    assert signature_valid(PARAMS, VECTOR.upper(), "bi-mat") is True  # some gateways send caps
    assert signature_valid(PARAMS, VECTOR, "bi-mat-khac") is False
    assert signature_valid({**PARAMS, "sb_Amount": "15000100"}, VECTOR, "bi-mat") is False
    assert signature_valid(PARAMS, VECTOR[:-1] + "5", "bi-mat") is False
    assert signature_valid(PARAMS, "", "bi-mat") is False
    assert signature_valid(PARAMS, "chữ ký giả", "bi-mat") is False
