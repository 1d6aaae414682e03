"""Builders for petition tests: a submitted petition in the Sở Tư pháp thử nghiệm fixture
agency, and the people around it."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.core.worktime import TZ
from motcua.directory.models import Role
from motcua.feedback.models import Kind, Petition
from motcua.feedback.services import petition_submit
from tests.factories import AgencyFactory, CitizenFactory, staff

# Monday 02/03/2026 09:00: ten working days later is Monday 16/03/2026 17:00.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DUE0 = datetime(2026, 3, 16, 17, 0, tzinfo=TZ)
CONTENT = "Bộ phận một cửa hẹn trả kết quả nhưng đến ngày hẹn vẫn chưa có kết quả."


@pytest.fixture
def submit(citizen, agency):
    def make(*, at: datetime = T0, actor=None, **fields) -> Petition:
        values = {
            "agency": agency,
            "kind": Kind.REFLECTION,
            "subject": "Chậm trả kết quả",
            "content": CONTENT,
            **fields,
        }
        if "content" not in fields:
            # Each petition its own text, so that none is taken for a double submit.
            values["content"] = f"{CONTENT} ({at:%d/%m %H:%M}, {Petition.objects.count()})"
        return petition_submit(actor=actor or citizen, at=at, **values)

    return make


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(username="001090000002", personal_id="001090000002")


@pytest.fixture
def parent_agency(agency):
    parent = AgencyFactory(code="000.00.00.H99", name="UBND tỉnh thử nghiệm", level="province")
    agency.parent = parent
    agency.save(update_fields=["parent"])
    return parent


@pytest.fixture
def leader_above(parent_agency):
    return staff(Role.LEADER, parent_agency, username="lanhdao_tinh")


@pytest.fixture
def other_reception(other_agency):
    return staff(Role.RECEPTION, other_agency, username="tiepnhan_khac")


@pytest.fixture
def admin_only(agency):
    return staff(Role.ADMIN, agency, username="quantri_so")
