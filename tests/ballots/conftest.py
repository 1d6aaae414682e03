"""A small committee for the ballot tests: the province's people's committee at the top with
two departments; the province's leader sends ballots; five members (leaders and approvers of
the departments, each with a confirmed authenticator), a leader with no authenticator yet, a
leader who is not a member, a specialist and a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.ballots.models import Ballot
from motcua.ballots.services import ballot_create, ballot_send
from motcua.directory.models import Agency, Role, User
from motcua.portal.models import SecondFactor
from tests.factories import AgencyFactory, CitizenFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROVINCE, JUSTICE, BUILDING = "000.00.00.H96", "000.00.11.H96", "000.00.12.H96"


def confirmed(user: User) -> User:
    """The member's authenticator app, enrolled and confirmed (portal.second_factor)."""
    now = timezone.now()
    SecondFactor.objects.create(
        user=user, secret=pyotp.random_base32(), created_at=now, confirmed_at=now
    )
    return user


def draft_pdf(name: str = "du-thao-quyet-dinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Committee:
    province: Agency
    justice: Agency
    building: Agency
    sender: User  # leader of the province
    members: list[User]  # five, each with a confirmed second factor
    unverified: User  # a leader with no confirmed authenticator
    outsider: User  # a leader who is no member of the ballots below
    specialist: User
    citizen: User

    def ballot(
        self,
        *,
        number: str = "12/PLYK-UBND",
        title: str = "Dự thảo quyết định ban hành quy chế phối hợp",
        members: list[User] | None = None,
        deadline: datetime | None = None,
        send: bool = True,
        at: datetime | None = None,
    ) -> Ballot:
        now = at or timezone.now()
        ballot = ballot_create(
            actor=self.sender,
            agency=self.province,
            number=number,
            title=title,
            summary="Quy chế phối hợp giải quyết thủ tục hành chính liên thông.",
            deadline=deadline or now + timedelta(days=3),
            members=self.members if members is None else members,
            files=[draft_pdf()],
            at=now,
        )
        if send:
            ballot_send(actor=self.sender, ballot=ballot, at=now)
        return ballot


@pytest.fixture
def committee(db) -> Committee:
    province = AgencyFactory(
        code=PROVINCE, name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code=JUSTICE, name="Sở Tư pháp thử nghiệm", parent=province)
    building = AgencyFactory(code=BUILDING, name="Sở Xây dựng thử nghiệm", parent=province)
    sender = staff(Role.LEADER, province, username="chutich", full_name="Nguyễn Văn Chủ")
    names = ["Trần Thị An", "Lê Văn Bình", "Phạm Thị Cúc", "Hoàng Văn Dũng", "Vũ Thị Em"]
    members = [
        confirmed(
            staff(
                Role.LEADER if i % 2 == 0 else Role.APPROVER,
                justice if i < 3 else building,
                username=f"thanhvien{i}",
                full_name=name,
            )
        )
        for i, name in enumerate(names)
    ]
    return Committee(
        province=province,
        justice=justice,
        building=building,
        sender=sender,
        members=members,
        unverified=staff(Role.LEADER, building, username="chuaxacthuc", full_name="Đỗ Văn Giang"),
        outsider=confirmed(staff(Role.LEADER, building, username="ngoai", full_name="Bùi Văn Hải")),
        specialist=staff(Role.SPECIALIST, justice, username="chuyenvien", full_name="Ngô Văn Ích"),
        citizen=CitizenFactory(),
    )
