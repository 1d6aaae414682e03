"""One signed batch over HTTP (domain.md §12.1): JWS compact with EdDSA (joserfc), POSTed
as `application/jose`, the answer read back. A transport failure of any kind is one
exception, `SendFailed`, and the whole batch is tried again later."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.jwk import OKPKey

SYNC_PATH = "/api/v1/national/sync"
CONTENT_TYPE = "application/jose"
TIMEOUT_SECONDS = 30


class SendFailed(Exception):
    """The national instance did not answer with a §12.1 answer (down, 5xx, 401, 400, 413,
    a body that is not the answer): nothing of the batch counts as delivered."""


@dataclass(frozen=True)
class Answer:
    accepted: int
    duplicates: int
    stale: int
    rejected: list[dict[str, Any]] = field(default_factory=list)


def batch_sign(payload: bytes, *, key: OKPKey, province: str) -> bytes:
    with warnings.catch_warnings():
        # RFC 9864 deprecates the name "EdDSA" for "Ed25519"; §12.1 fixes "EdDSA".
        warnings.simplefilter("ignore")
        token = jws.serialize_compact(
            {"alg": "EdDSA", "kid": province}, payload, key, algorithms=["EdDSA"]
        )
    return token.encode("ascii")


def sync_url(base: str) -> str:
    return base.rstrip("/") + SYNC_PATH


def batch_post(url: str, body: bytes, *, timeout: float = TIMEOUT_SECONDS) -> Answer:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read(1024 * 1024)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code}: {_excerpt(error.read(2000))}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
    if status != 200:
        raise SendFailed(f"HTTP {status}: {_excerpt(raw)}")
    return answer_parse(raw)


def answer_parse(raw: bytes) -> Answer:
    try:
        data = json.loads(raw)
        answer = Answer(
            accepted=int(data["accepted"]),
            duplicates=int(data["duplicates"]),
            stale=int(data["stale"]),
            rejected=[
                {
                    "id": str(item.get("id") or ""),
                    "code": str(item.get("code") or ""),
                    "message": str(item.get("message") or ""),
                }
                for item in data.get("rejected") or []
            ],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SendFailed(f"Câu trả lời không đúng §12.1: {_excerpt(raw)}") from error
    return answer


def _excerpt(raw: bytes) -> str:
    """What the national instance said, readable: its error's code and message when it
    answered in the API's error shape, else the start of the body."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return f"{data.get('code', '')}: {data['message']}"[:300]
    return raw[:300].decode("utf-8", "replace").strip()
