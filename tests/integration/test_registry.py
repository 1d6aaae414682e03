from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import override_settings

from motcua.core.errors import ValidationFailed
from motcua.integration.registry import LocalRegistry, RegistryPerson, population_registry


def test_the_local_registry_knows_the_demo_citizens():
    person = population_registry().lookup("046085001234")
    assert (person.full_name, person.birth_date, person.sex) == (
        "Nguyễn Văn An",
        date(1985, 4, 12),
        "nam",
    )
    assert person.permanent_address.endswith("thành phố Huế")
    assert len(LocalRegistry().people()) == 400


def test_an_unknown_person_is_none_and_a_malformed_id_is_refused():
    assert population_registry().lookup("046085999999") is None
    with pytest.raises(ValidationFailed):
        population_registry().lookup("12345")


class FakeConnector:
    """A stand-in for a real connector: only the setting changes, not the callers."""

    def lookup(self, personal_id: str) -> RegistryPerson | None:
        return RegistryPerson(personal_id, "Lê Văn Thử", date(2000, 1, 1), "nam", "Huế")


def test_another_connector_replaces_the_local_one_by_setting():
    with override_settings(MOTCUA_REGISTRY_BACKEND="tests.integration.test_registry.FakeConnector"):
        assert population_registry().lookup("046200000001").full_name == "Lê Văn Thử"


def test_a_registry_file_can_be_chosen(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(
        json.dumps(
            [
                {
                    "personal_id": "001090000001",
                    "full_name": "Phạm Thị Thu",
                    "birth_date": "1990-02-03",
                    "sex": "nữ",
                    "permanent_address": "Hà Nội",
                }
            ]
        ),
        encoding="utf-8",
    )
    with override_settings(MOTCUA_REGISTRY_FILE=str(path)):
        assert population_registry().lookup("001090000001").full_name == "Phạm Thị Thu"
