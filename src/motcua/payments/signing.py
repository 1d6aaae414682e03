"""The signature the Vietnamese gateways use (VNPay's `vnp_SecureHash` and its kin):
HMAC-SHA512, keyed by the shared secret, over the parameters sorted by key and urlencoded as
`key=value` pairs joined by `&`, the hash parameters themselves left out."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode


def canonical(params: Mapping[str, str], *, exclude: Iterable[str] = ()) -> str:
    """Empty values are left out, as the gateways do, so an optional field sent blank signs
    the same as one not sent."""
    skip = set(exclude)
    return urlencode(sorted((k, str(v)) for k, v in params.items() if k not in skip and v != ""))


def sign(params: Mapping[str, str], secret: str, *, exclude: Iterable[str] = ()) -> str:
    message = canonical(params, exclude=exclude).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha512).hexdigest()


def signature_valid(
    params: Mapping[str, str], signature: str, secret: str, *, exclude: Iterable[str] = ()
) -> bool:
    """Constant-time, so the time taken leaks nothing about how much of a forgery matched."""
    expected = sign(params, secret, exclude=exclude)
    return hmac.compare_digest(expected.encode(), (signature or "").lower().encode("utf-8"))
