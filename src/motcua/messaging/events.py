"""Reading a webhook body into an `Event`, or a `BadEvent` naming what is wrong (the
receiver answers it as JSON, 400). Only the fields motcua uses are read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.translation import gettext as _

TEXT_MAX = 2000
ATTACHMENTS_MAX = 5
KNOWN = {"user_send_text", "user_send_image", "follow", "unfollow"}
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_NAME = re.compile(r"[a-z_]{1,40}")


class BadEvent(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Event:
    app_id: str
    event_id: str
    event_name: str
    follower_id: str
    at: datetime
    text: str = ""
    image_urls: list[str] = field(default_factory=list)


def _id(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise BadEvent("malformed", _("Trường %(what)s thiếu hoặc không hợp lệ.") % {"what": what})
    return value


def event_parse(body: bytes) -> Event:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadEvent("malformed", _("Nội dung không phải JSON hợp lệ (UTF-8).")) from None
    if not isinstance(data, dict):
        raise BadEvent("malformed", _("Nội dung phải là một đối tượng JSON."))
    name = data.get("event_name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise BadEvent("malformed", _("Trường event_name thiếu hoặc không hợp lệ."))
    stamp = data.get("timestamp")
    if isinstance(stamp, str) and stamp.isdigit() and len(stamp) <= 15:
        stamp = int(stamp)
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not 0 < stamp < 10**14:
        raise BadEvent("malformed", _("Trường timestamp (mili giây) thiếu hoặc không hợp lệ."))
    sender = data.get("sender")
    follower = _id(sender.get("id") if isinstance(sender, dict) else None, "sender.id")
    event = {
        "app_id": _id(data.get("app_id"), "app_id"),
        "event_id": _id(data.get("event_id"), "event_id"),
        "event_name": name,
        "follower_id": follower,
        "at": datetime.fromtimestamp(stamp / 1000, tz=UTC),
    }
    if name not in ("user_send_text", "user_send_image"):
        return Event(**event)  # type: ignore[arg-type]
    message = data.get("message")
    if not isinstance(message, dict):
        raise BadEvent("malformed", _("Trường message thiếu hoặc không hợp lệ."))
    text = message.get("text", "")
    if not isinstance(text, str) or "\x00" in text:
        raise BadEvent("malformed", _("Trường message.text không hợp lệ."))
    if len(text) > TEXT_MAX:
        raise BadEvent("too_long", _("Tin nhắn dài quá %(n)d ký tự.") % {"n": TEXT_MAX})
    urls: list[str] = []
    if name == "user_send_image":
        attachments = message.get("attachments")
        if not isinstance(attachments, list) or not attachments:
            raise BadEvent("malformed", _("Sự kiện gửi ảnh phải có message.attachments."))
        if len(attachments) > ATTACHMENTS_MAX:
            raise BadEvent(
                "too_many", _("Mỗi tin nhắn kèm tối đa %(n)d ảnh.") % {"n": ATTACHMENTS_MAX}
            )
        for item in attachments:
            payload = item.get("payload") if isinstance(item, dict) else None
            url = payload.get("url") if isinstance(payload, dict) else None
            if (
                not isinstance(item, dict)
                or item.get("type") != "image"
                or not isinstance(url, str)
                or not url.startswith(("http://", "https://"))
                or len(url) > 500
            ):
                raise BadEvent("malformed", _("Tệp đính kèm phải là ảnh có địa chỉ (url)."))
            urls.append(url)
    elif not text.strip():
        raise BadEvent("malformed", _("Tin nhắn văn bản không có nội dung."))
    return Event(**event, text=text, image_urls=urls)  # type: ignore[arg-type]
