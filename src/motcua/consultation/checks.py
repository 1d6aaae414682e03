"""The rules a comment's input meets before anything is written.

Text is plain text only, and markup is *cleaned*, not refused: people paste from Word and web
pages, and refusing their comment for a stray `<b>` loses it. A `<script>` or `<style>`
element goes with everything inside it (its content is code, not a comment), then every other
tag is dropped by Django's `strip_tags`, keeping the words between tags. What is left is shown
escaped like any text. A comment that was nothing but markup is refused as empty; one longer
than `TEXT_MAX` characters, once cleaned, is refused — never cut, which would change what the
person said.

An anonymous commenter gives a name and a way to reach them (an email or a Vietnamese phone
number), kept for the agency and never shown. Each address may send `RATE_LIMIT` comments per
`RATE_WINDOW` seconds, counted in Django's cache like the API's fixed window."""

from __future__ import annotations

import re
import time

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.core.names import person_name_clean

TEXT_MAX = 5000
# A post far above the limit is refused without being parsed.
RAW_MAX = 4 * TEXT_MAX
REASON_MAX = 500
ANSWER_MAX = 5000
RATE_LIMIT = 5
RATE_WINDOW = 600

_ACTIVE = re.compile(r"<\s*(script|style)\b.*?(<\s*/\s*\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^(0|\+84)(\d{9})$")


class TooManyComments(MotcuaError):
    code = "rate_limited"
    status = 429


def plain_text(value: str | None, *, field: str, label: str, limit: int) -> str:
    """Markup cleaned away (see the module), lines kept, spaces within a line collapsed."""
    raw = value or ""
    if len(raw) > RAW_MAX:
        raise _too_long(label, limit, len(raw), field)
    cleaned = strip_tags(_ACTIVE.sub(" ", _CONTROL.sub(" ", raw)))
    lines = [" ".join(line.split()) for line in cleaned.splitlines()]
    text = "\n".join(lines).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if not text:
        raise ValidationFailed(
            _("Nhập %(label)s (chỉ chữ, không kèm mã HTML).") % {"label": label},
            fields={field: "required"},
        )
    if len(text) > limit:
        raise _too_long(label, limit, len(text), field)
    return text


def _too_long(label: str, limit: int, length: int, field: str) -> ValidationFailed:
    return ValidationFailed(
        _("%(label)s dài quá %(limit)s ký tự (hiện có %(n)s ký tự).")
        % {
            "label": label[:1].upper() + label[1:],
            "limit": f"{limit:,}".replace(",", "."),
            "n": f"{length:,}".replace(",", "."),
        },
        fields={field: "too_long"},
    )


def contact_clean(value: str | None) -> str:
    """An email (lower-cased) or a phone number as 0xxxxxxxxx."""
    text = "".join((value or "").split())
    if not text:
        raise ValidationFailed(
            _("Góp ý không đăng nhập cần thư điện tử hoặc số điện thoại để cơ quan liên hệ."),
            fields={"contact": "required"},
        )
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationFailed(
                _("Thư điện tử “%(value)s” không hợp lệ.") % {"value": text[:60]},
                fields={"contact": "invalid"},
            ) from None
        return text.lower()
    phone = _PHONE.match(text.replace(".", "").replace("-", ""))
    if phone is None:
        raise ValidationFailed(
            _("“%(value)s” không phải thư điện tử hay số điện thoại (10 số, bắt đầu bằng 0).")
            % {"value": text[:60]},
            fields={"contact": "invalid"},
        )
    return "0" + phone.group(2)


def name_clean(value: str | None) -> str:
    name = person_name_clean(value or "", field="name")
    if len(name) > 200:
        raise ValidationFailed(_("Họ và tên dài quá 200 ký tự."), fields={"name": "too_long"})
    return name


def rate_hit(address: str) -> None:
    """Count one comment from `address`; refused past `RATE_LIMIT` in the window."""
    key = f"motcua:consultation-rate:{address}:{int(time.time() // RATE_WINDOW)}"
    cache.add(key, 0, timeout=RATE_WINDOW + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's key expired between add() and incr()
        cache.set(key, 1, timeout=RATE_WINDOW + 1)
        count = 1
    if count > RATE_LIMIT:
        raise TooManyComments(
            _("Bạn đã gửi %(n)d góp ý trong ít phút; hãy gửi tiếp sau %(m)d phút.")
            % {"n": RATE_LIMIT, "m": RATE_WINDOW // 60}
        )
