"""A small province for the consultation tests: the UBND at the top, the justice department
below it, another province elsewhere; a leader of the province, an approver and a reception
officer of the justice department, a leader of the other province and two citizens. The rate
limit's cache is emptied before each test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.consultation.models import Draft, Section
from motcua.consultation.services import draft_create, draft_publish
from motcua.directory.models import Agency, Role, User
from tests.factories import AgencyFactory, CitizenFactory, FeeLineFactory, ProcedureFactory, staff

PROVINCE, JUSTICE, ELSEWHERE = "000.00.00.H98", "000.00.11.H98", "000.00.00.H97"


@dataclass
class Province:
    province: Agency
    justice: Agency
    elsewhere: Agency
    leader: User
    approver: User
    reception: User
    outsider: User
    citizen: User
    other_citizen: User
    procedure: Procedure

    def draft(self, *, moderation_first: bool = False, deadline: date | None = None) -> Draft:
        """A published draft of the justice department with two sections."""
        draft = draft_create(
            actor=self.approver,
            agency=self.justice,
            title="Dự thảo Quyết định về lý lịch tư pháp trực tuyến",
            sections=[
                ("Điều 1. Phạm vi", "Quy định cấp Phiếu lý lịch tư pháp trực tuyến."),
                ("Điều 2. Thời hạn", "Trả kết quả trong 5 ngày làm việc."),
            ],
            moderation_first=moderation_first,
        )
        return draft_publish(
            actor=self.approver,
            draft=draft,
            deadline=deadline or timezone.localdate() + timedelta(days=30),
        )


@pytest.fixture(autouse=True)
def _rate_limit_cleared():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def p(db) -> Province:
    province = AgencyFactory(
        code=PROVINCE, name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code=JUSTICE, name="Sở Tư pháp thử nghiệm", parent=province)
    elsewhere = AgencyFactory(code=ELSEWHERE, name="UBND tỉnh khác", level=Agency.Level.PROVINCE)
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[justice]
    )
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp bản sao", amount=50_000)
    FeeLineFactory(
        procedure=procedure, name="Phí", amount=200_000, group="doi_tuong", condition="Chung"
    )
    FeeLineFactory(
        procedure=procedure, name="Phí giảm", amount=100_000, group="doi_tuong", condition="SV"
    )
    return Province(
        province=province,
        justice=justice,
        elsewhere=elsewhere,
        leader=staff(Role.LEADER, province, username="lanhdao_tinh"),
        approver=staff(Role.APPROVER, justice, username="pheduyet_tp"),
        reception=staff(Role.RECEPTION, justice, username="tiepnhan_tp"),
        outsider=staff(Role.LEADER, elsewhere, username="lanhdao_khac"),
        citizen=CitizenFactory(
            username="001090000001", personal_id="001090000001", full_name="Nguyễn Văn An"
        ),
        other_citizen=CitizenFactory(username="001090000002", personal_id="001090000002"),
        procedure=procedure,
    )


def first_section(draft: Draft) -> Section:
    return draft.sections.order_by("position").first()  # type: ignore[return-value]
