"""The business-registry adapter (Cổng thông tin quốc gia về đăng ký doanh nghiệp).

`business_registry().lookup(enterprise_code, actor=, purpose=)` answers an enterprise's name,
head-office address and legal representative, None when the code is not registered, or
`RegistryUnavailable` when the registry cannot be asked now. The default reads a local data
file (the demo's enterprises of thành phố Huế); `registry_http.HttpBusinessRegistry` asks the
HTTP service. The setting `MOTCUA_BUSINESS_REGISTRY_BACKEND` names the class.

An enterprise code (mã số doanh nghiệp) is 10 digits; a branch or other dependent unit has
the parent's 10 digits, a hyphen and 3 digits (13 digits: `3301234567-001`). Only the form
is checked here, not the check digit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from motcua.core.errors import ValidationFailed

DEFAULT_FILE = Path(__file__).parent / "data" / "business_registry.json"
ENTERPRISE_CODE = re.compile(r"[0-9]{10}(-[0-9]{3})?")


@dataclass(frozen=True)
class Enterprise:
    enterprise_code: str
    name: str
    address: str
    legal_representative: str
    # Chức danh as registered ("Giám đốc", "Chủ doanh nghiệp tư nhân"…); "" from a registry
    # that does not send it.
    legal_representative_title: str = ""


class BusinessRegistry(Protocol):
    def lookup(
        self, enterprise_code: str, *, actor: Any = None, purpose: str = ""
    ) -> Enterprise | None:
        """The enterprise; None when the code is not registered; `RegistryUnavailable` when
        the registry cannot be asked."""
        ...


def enterprise_code_parse(code: str) -> str:
    """The code as registered (spaces around it dropped), or `ValidationFailed`."""
    code = (code or "").strip()
    if not code.isascii() or ENTERPRISE_CODE.fullmatch(code) is None:
        raise ValidationFailed(
            "Mã số doanh nghiệp gồm 10 chữ số; mã số đơn vị phụ thuộc gồm 10 chữ số, dấu "
            "gạch ngang và 3 chữ số (ví dụ 3301234567-001).",
            fields={"enterprise_code": "invalid"},
        )
    return code


def enterprise_from_json(e: dict[str, Any]) -> Enterprise:
    return Enterprise(
        enterprise_code=e["enterprise_code"],
        name=e["name"],
        address=e["address"],
        legal_representative=e["legal_representative"],
        legal_representative_title=e.get("legal_representative_title") or "",
    )


def enterprise_to_json(enterprise: Enterprise) -> dict[str, str]:
    return {
        "enterprise_code": enterprise.enterprise_code,
        "name": enterprise.name,
        "address": enterprise.address,
        "legal_representative": enterprise.legal_representative,
        "legal_representative_title": enterprise.legal_representative_title,
    }


class LocalBusinessRegistry:
    """A JSON file of enterprises: `[{"enterprise_code", "name", "address",
    "legal_representative"}]`."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(
            path or getattr(settings, "MOTCUA_BUSINESS_REGISTRY_FILE", "") or DEFAULT_FILE
        )

    def lookup(
        self, enterprise_code: str, *, actor: Any = None, purpose: str = ""
    ) -> Enterprise | None:
        return _load(str(self.path)).get(enterprise_code_parse(enterprise_code))

    def enterprises(self) -> list[Enterprise]:
        return list(_load(str(self.path)).values())


@cache
def _load(path: str) -> dict[str, Enterprise]:
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return {e["enterprise_code"]: enterprise_from_json(e) for e in rows}


def business_registry() -> BusinessRegistry:
    backend = getattr(
        settings,
        "MOTCUA_BUSINESS_REGISTRY_BACKEND",
        "motcua.integration.business.LocalBusinessRegistry",
    )
    return import_string(backend)()
