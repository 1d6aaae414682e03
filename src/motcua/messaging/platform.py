"""The messaging platform as motcua sees it: its settings, the signature of its webhook
events, its send-message API and its media files (docs/howto/messaging.md).

Everything comes from `settings.MOTCUA_MESSAGING`; without the API's address, the app secret
and the official account's token the channel is off (`configured()`): the webhook answers
503, the portal page says the channel is not open, no notification is queued on it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

SIGNATURE_HEADER = "X-Event-Signature"


class PlatformError(Exception):
    """The platform refused a send or could not be reached: the outbox tries again."""


def config() -> dict[str, Any]:
    return settings.MOTCUA_MESSAGING


def configured() -> bool:
    c = config()
    return bool(c["api_url"] and c["app_secret"] and c["oa_token"])


def signature(body: bytes, secret: str | None = None) -> str:
    """The header's value: `sha256=` and the HMAC-SHA256 of the raw body with the app secret."""
    key = (secret if secret is not None else config()["app_secret"]).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(body).encode(), header.strip().encode("utf-8", "replace"))


def _timeout() -> tuple[float, float]:
    return (2.0, float(config()["timeout"]))


def send_text(*, follower_id: str, text: str, key: str) -> str:
    """Send `text` to a follower; `key` lets the platform drop a copy of a message it already
    took (a retry after an answer lost on the way). Returns the platform's message id."""
    url = config()["api_url"].rstrip("/") + "/v3.0/oa/message/cs"
    try:
        response = requests.post(
            url,
            json={"recipient": {"user_id": follower_id}, "message": {"text": text[:2000]}},
            headers={"Access-Token": config()["oa_token"], "Idempotency-Key": key},
            timeout=_timeout(),
        )
        body = response.json()
    except (requests.RequestException, ValueError) as error:
        raise PlatformError(type(error).__name__) from error
    if response.status_code != 200 or not isinstance(body, dict) or body.get("error") != 0:
        code = body.get("error") if isinstance(body, dict) else None
        raise PlatformError(f"http {response.status_code} error {code}")
    return str((body.get("data") or {}).get("message_id", ""))


def media_prefix() -> str:
    return config()["media_url"] or (config()["api_url"].rstrip("/") + "/media/")


def media_fetch(url: str, *, name: str) -> SimpleUploadedFile:
    """A photo the follower sent, read from the platform's media address only (never any
    other host: no request goes where a message says), at most one byte past the upload
    limit so that `core.uploads.upload_check` refuses what is too large."""
    if not url.startswith(media_prefix()):
        raise PlatformError("foreign_media_url")
    limit = settings.MOTCUA_MAX_UPLOAD_BYTES
    try:
        with requests.get(url, stream=True, timeout=_timeout(), allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise PlatformError(f"http {answer.status_code}")
            data = b""
            for chunk in answer.iter_content(64 * 1024):
                data += chunk
                if len(data) > limit:
                    break
    except requests.RequestException as error:
        raise PlatformError(type(error).__name__) from error
    return SimpleUploadedFile(name, data[: limit + 1])
