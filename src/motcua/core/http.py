"""Facts about an incoming request, and the public address of a page, that several packages
need the same way."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address to count attempts against (sign-in lockout, verification throttle).
    X-Forwarded-For is anyone's to write, so it is read only behind our own proxy
    (MOTCUA_BEHIND_PROXY=1), and then its right-most entry: the one our proxy appended, not the
    ones the client sent along."""
    if getattr(settings, "MOTCUA_BEHIND_PROXY", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def public_url(path: str) -> str:
    """The address people reach `path` at (`/tra-cuu/…/`), for letters, QR codes and
    messages that leave the request: MOTCUA_PUBLIC_URL in front of it."""
    return settings.MOTCUA_PUBLIC_URL.rstrip("/") + path
