"""The demo's catalog (procedures, e-forms) and its two bundles, with the staff of the agencies
the bundles' children go to, and the citizen who applies."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from motcua.bundles.models import Bundle
from motcua.catalog.services import catalog_import
from motcua.demo.bundles import demo_bundles_define
from motcua.demo.eforms import demo_eforms_load
from motcua.demo.services import CATALOG
from motcua.directory.models import Agency, Role, User
from tests.factories import CitizenFactory, staff

WARD, POLICE, INSURANCE = "000.50.01.H46", "000.00.21.H46", "000.00.22.H46"


@dataclass
class World:
    birth: Bundle
    death: Bundle
    citizen: User
    other_citizen: User
    reception: dict[str, User]
    specialist: dict[str, User]
    approver: dict[str, User]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    catalog_import(actor=None, data=json.loads(CATALOG.read_text(encoding="utf-8")))
    demo_eforms_load()
    birth, death = demo_bundles_define()
    reception, specialist, approver = {}, {}, {}
    for code in (WARD, POLICE, INSURANCE):
        agency = Agency.objects.get(code=code)
        reception[code] = staff(Role.RECEPTION, agency, username=f"tn{code}")
        specialist[code] = staff(Role.SPECIALIST, agency, username=f"cv{code}")
        approver[code] = staff(Role.APPROVER, agency, username=f"pd{code}")
    return World(
        birth=birth,
        death=death,
        citizen=CitizenFactory(
            username="046085001234", personal_id="046085001234", full_name="Nguyễn Văn An"
        ),
        other_citizen=CitizenFactory(username="046192005678", personal_id="046192005678"),
        reception=reception,
        specialist=specialist,
        approver=approver,
    )
