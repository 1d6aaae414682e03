"""The population-registry adapter (CSDL quốc gia về dân cư).

Portal and counter code ask `population_registry().lookup(personal_id, actor=, purpose=)` and
get verified identity data (and what the registry holds beside it: ethnicity, nationality, the
place of current residence, the father, mother and spouse, the household head and the person's
relationship to the head — Luật Căn cước 2023 art. 9), None when the registry does not know
the ID, or
`RegistryUnavailable` when it cannot be asked now. The default implementation reads a local data
file (the demo's few hundred people); the HTTP connector (`registry_http.HttpRegistry`) is
another class with the same `lookup`, named in the setting `MOTCUA_REGISTRY_BACKEND` — no
caller changes. docs/howto/registries.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from motcua.core.ids import personal_id_parse

DEFAULT_FILE = Path(__file__).parent / "data" / "registry.json"


@dataclass(frozen=True)
class Relative:
    """A person the registry links to another (father, mother, spouse, household head): only
    the link's personal ID and name. Anything more is that person's own record, looked up
    (and audited) on its own."""

    personal_id: str
    full_name: str


@dataclass(frozen=True)
class RegistryPerson:
    personal_id: str
    full_name: str
    birth_date: date
    sex: str  # "nam" | "nữ"
    permanent_address: str
    # Optional: an older registry answer or data file without them still reads.
    ethnicity: str = ""  # dân tộc, e.g. "Kinh"
    nationality: str = ""  # quốc tịch, e.g. "Việt Nam"
    current_residence: str = ""  # nơi ở hiện tại; "" when the registry does not say
    father: Relative | None = None
    mother: Relative | None = None
    spouse: Relative | None = None  # vợ/chồng
    household_head: Relative | None = None  # chủ hộ (the person himself when he is the head)
    household_relationship: str = ""  # quan hệ với chủ hộ: "chủ hộ", "vợ", "con", …


class RegistryUnavailable(Exception):
    """The registry could not be asked now (down, slow, refusing our token, its circuit
    open): not an answer about the person. The message never holds personal data."""


class PopulationRegistry(Protocol):
    def lookup(
        self, personal_id: str, *, actor: Any = None, purpose: str = ""
    ) -> RegistryPerson | None:
        """The person; None when the registry does not know the ID; `RegistryUnavailable`
        when it cannot be asked. `actor` and `purpose` say who asks and why (a remote
        connector audits them)."""
        ...


def personal_id_fingerprint(personal_id: str) -> str:
    """A keyed hash of a personal ID for the audit log: whoever holds the secret key can check
    whether a given ID was looked up, but the log alone does not give the ID back (a plain
    hash of 12 digits would, by trying them all)."""
    secret = f"motcua.audit.personal_id:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, personal_id.encode(), hashlib.sha256).hexdigest()


class LocalRegistry:
    """A JSON file of people: `[{"personal_id", "full_name", "birth_date", "sex",
    "permanent_address"}]`, each optionally with "ethnicity", "nationality",
    "current_residence", "household_relationship" and the links "father", "mother", "spouse",
    "household_head" (`{"personal_id", "full_name"}`)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or getattr(settings, "MOTCUA_REGISTRY_FILE", "") or DEFAULT_FILE)

    def lookup(
        self, personal_id: str, *, actor: Any = None, purpose: str = ""
    ) -> RegistryPerson | None:
        """A file read: nothing leaves the process, so nothing is audited here (the counter
        audits its own lookups)."""
        personal_id_parse(personal_id)
        return _load(str(self.path)).get(personal_id)

    def people(self) -> list[RegistryPerson]:
        """Everyone in the file (the demo builds its citizens from them)."""
        return list(_load(str(self.path)).values())


RELATIONS = ("father", "mother", "spouse", "household_head")
_DETAILS = ("ethnicity", "nationality", "current_residence", "household_relationship")
_PERSONAL_ID = re.compile(r"[0-9]{12}")


def _relative_from_json(value: Any) -> Relative | None:
    """A link, or None when absent; `ValueError` when malformed (a bad answer, not a person)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("a relation is an object")
    personal_id, full_name = value.get("personal_id"), value.get("full_name")
    if not isinstance(personal_id, str) or not _PERSONAL_ID.fullmatch(personal_id):
        raise ValueError("a relation's personal ID is 12 digits")
    if not isinstance(full_name, str) or not full_name.strip():
        raise ValueError("a relation has a name")
    return Relative(personal_id=personal_id, full_name=full_name.strip())


def _text(p: dict[str, Any], key: str) -> str:
    value = p.get(key) or ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is text")
    return value


def person_from_json(p: dict[str, Any]) -> RegistryPerson:
    """A person from the file or the service; `KeyError`, `TypeError` or `ValueError` when the
    object is not one. Keys beyond the original five are optional."""
    return RegistryPerson(
        personal_id=p["personal_id"],
        full_name=p["full_name"],
        birth_date=date.fromisoformat(p["birth_date"]),
        sex=p["sex"],
        permanent_address=p["permanent_address"],
        ethnicity=_text(p, "ethnicity"),
        nationality=_text(p, "nationality"),
        current_residence=_text(p, "current_residence"),
        household_relationship=_text(p, "household_relationship"),
        father=_relative_from_json(p.get("father")),
        mother=_relative_from_json(p.get("mother")),
        spouse=_relative_from_json(p.get("spouse")),
        household_head=_relative_from_json(p.get("household_head")),
    )


def person_to_json(person: RegistryPerson) -> dict[str, Any]:
    """The person as the stand-in answers: the five original keys always; the others only
    when known, so an older client reads the same object it always did."""
    result: dict[str, Any] = {
        "personal_id": person.personal_id,
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "permanent_address": person.permanent_address,
    }
    for key in _DETAILS:
        if getattr(person, key):
            result[key] = getattr(person, key)
    for key in RELATIONS:
        relative = getattr(person, key)
        if relative is not None:
            result[key] = {"personal_id": relative.personal_id, "full_name": relative.full_name}
    return result


@cache
def _load(path: str) -> dict[str, RegistryPerson]:
    people = json.loads(Path(path).read_text(encoding="utf-8"))
    return {p["personal_id"]: person_from_json(p) for p in people}


def population_registry() -> PopulationRegistry:
    backend = getattr(
        settings, "MOTCUA_REGISTRY_BACKEND", "motcua.integration.registry.LocalRegistry"
    )
    return import_string(backend)()
