"""Builders for the messaging channel's tests: the channel configured (a platform address
nobody answers unless the test uses the stand-in, `messaging_settings`), signed events."""

from __future__ import annotations

import io
import json
import time
from itertools import count
from typing import Any

import pytest
from PIL import Image

from motcua.messaging.platform import signature

SECRET = "test-messaging-app-secret"
APP_ID = "motcua-test-oa"
FOLLOWER = "follower-1234567"
_ids = count(1)


@pytest.fixture
def channel(settings):
    settings.MOTCUA_MESSAGING = {
        **settings.MOTCUA_MESSAGING,
        # Port 9 (discard) refuses connections: a platform that is down.
        "api_url": "http://127.0.0.1:9/nhan-tin",
        "app_id": APP_ID,
        "app_secret": SECRET,
        "oa_token": "test-token",
    }
    return settings.MOTCUA_MESSAGING


def event_body(
    text: str = "xin chào",
    *,
    follower: str = FOLLOWER,
    event_name: str = "user_send_text",
    event_id: str | None = None,
    at_ms: int | None = None,
    image_urls: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text, "msg_id": "m1"}
    if image_urls is not None:
        message["attachments"] = [{"type": "image", "payload": {"url": u}} for u in image_urls]
    return {
        "app_id": APP_ID,
        "event_name": event_name,
        "event_id": event_id or f"ev-{next(_ids)}-{time.monotonic_ns()}",
        "timestamp": str(at_ms if at_ms is not None else int(time.time() * 1000)),
        "sender": {"id": follower},
        "recipient": {"id": "oa"},
        "message": message,
        **extra,
    }


def post_raw(client, body: bytes, *, secret: str = SECRET, **headers: Any):
    return client.post(
        "/kenh-nhan-tin/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Event-Signature": signature(body, secret), **headers},
    )


def post_event(client, body: dict[str, Any] | None = None, **fields: Any):
    return post_raw(client, json.dumps(body or event_body(**fields)).encode())


def jpeg(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()
