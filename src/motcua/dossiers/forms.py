"""The one posted-version field: every page that changes a dossier posts the version it
showed, and the service refuses a stale one (`lifecycle.dossier_lock`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from motcua.core.errors import ValidationFailed

_MISSING = gettext_lazy("Thiếu phiên bản hồ sơ; vui lòng tải lại trang rồi thao tác lại.")
_INVALID = gettext_lazy("Phiên bản hồ sơ không hợp lệ; vui lòng tải lại trang.")


class VersionField(forms.IntegerField):
    """The dossier version the page showed, hidden; the same messages on every page."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault(
            "error_messages",
            {"required": _MISSING, "invalid": _INVALID, "min_value": _INVALID},
        )
        super().__init__(**kwargs)


def posted_version(data: Mapping[str, Any], name: str = "version") -> int:
    """The version posted under `name`, read by `VersionField`; a missing or malformed one
    is refused (`ValidationFailed`, field `version`) before anything else is read."""
    try:
        value = VersionField(required=True).clean(data.get(name))
    except ValidationError as error:
        raise ValidationFailed(str(error.messages[0]), fields={"version": "invalid"}) from error
    assert isinstance(value, int)
    return value
