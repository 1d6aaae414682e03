"""`motcua ballot-remind`: the members who have not answered a ballot due within N hours."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.ballots.models import BallotMember
from tests.ballots.conftest import Committee

pytestmark = pytest.mark.django_db


def test_ballot_remind_command(committee: Committee):
    now = timezone.now()
    committee.ballot(at=now - timedelta(days=1), deadline=now + timedelta(hours=10))
    out = StringIO()
    call_command("ballot_remind", "--hours", "12", stdout=out)
    assert out.getvalue() == "reminded 5\n"
    assert BallotMember.objects.filter(reminded_at__isnull=False).count() == 5
    again = StringIO()
    call_command("ballot_remind", "--hours", "12", stdout=again)
    assert again.getvalue() == "reminded 0\n"


def test_ballot_remind_refuses_zero_hours(committee: Committee):
    with pytest.raises(CommandError, match=r"Số giờ trước hạn phải từ 1 trở lên\."):
        call_command("ballot_remind", "--hours", "0", stdout=StringIO())
