"""The population-registry adapter (CSDL quốc gia về dân cư).

Portal and counter code ask `population_registry().lookup(personal_id)` and get verified
identity data or None. The default implementation reads a local data file (the demo's few
hundred people); a real connector is another class with the same `lookup`, named in the
setting `MOTCUA_REGISTRY_BACKEND` — no caller changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from motcua.core.ids import personal_id_parse

DEFAULT_FILE = Path(__file__).parent / "data" / "registry.json"


@dataclass(frozen=True)
class RegistryPerson:
    personal_id: str
    full_name: str
    birth_date: date
    sex: str  # "nam" | "nữ"
    permanent_address: str


class PopulationRegistry(Protocol):
    def lookup(self, personal_id: str) -> RegistryPerson | None: ...


class LocalRegistry:
    """A JSON file of people: `[{"personal_id", "full_name", "birth_date", "sex",
    "permanent_address"}]`."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or getattr(settings, "MOTCUA_REGISTRY_FILE", "") or DEFAULT_FILE)

    def lookup(self, personal_id: str) -> RegistryPerson | None:
        personal_id_parse(personal_id)
        return _load(str(self.path)).get(personal_id)

    def people(self) -> list[RegistryPerson]:
        """Everyone in the file (the demo builds its citizens from them)."""
        return list(_load(str(self.path)).values())


@cache
def _load(path: str) -> dict[str, RegistryPerson]:
    people = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        p["personal_id"]: RegistryPerson(
            personal_id=p["personal_id"],
            full_name=p["full_name"],
            birth_date=date.fromisoformat(p["birth_date"]),
            sex=p["sex"],
            permanent_address=p["permanent_address"],
        )
        for p in people
    }


def population_registry() -> PopulationRegistry:
    backend = getattr(
        settings, "MOTCUA_REGISTRY_BACKEND", "motcua.integration.registry.LocalRegistry"
    )
    return import_string(backend)()
