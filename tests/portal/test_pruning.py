"""`prune_records`: attempts and start tokens older than the threshold go, so do the lock rows
of keys left without attempts; nothing a current lock depends on is ever removed."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.portal.lockout import SIGN_IN, SIGN_UP, keys_lock, sign_in_wait
from motcua.portal.models import LockoutKey, LoginAttempt, StartToken
from motcua.portal.pruning import MIN_AGE, records_prune

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 2, 30, tzinfo=TZ)
FAIL = LoginAttempt.Outcome.FAILURE
MOTCUA = Path(sys.executable).with_name("motcua")


def attempt(at: datetime, user: str, ip: str = "ip-1", outcome: str = FAIL) -> LoginAttempt:
    LockoutKey.objects.get_or_create(key=user)
    LockoutKey.objects.get_or_create(key=ip)
    return LoginAttempt.objects.create(at=at, username_key=user, ip_key=ip, outcome=outcome)


@pytest.fixture
def scene(citizen):
    """Three attempts older than 30 days (keys "old-a", "old-b", address "ip-old"), one made
    exactly 30 days ago and two recent ones on "both" (which also has an old one, from
    "ip-1"); three old start tokens and one recent; a lock row no attempt ever used."""
    old = NOW - timedelta(days=30, seconds=1)
    attempt(old, "old-a", "ip-old")
    attempt(old - timedelta(days=90), "old-b", "ip-old")
    attempt(old, "both", "ip-1")
    attempt(NOW - timedelta(days=30), "edge", "ip-1")  # exactly at the threshold: kept
    attempt(NOW - timedelta(hours=1), "both", "ip-1")
    attempt(NOW - timedelta(minutes=5), "both", "ip-1", LoginAttempt.Outcome.SUCCESS)
    LockoutKey.objects.create(key="never-used")
    for i, age in enumerate(
        [timedelta(days=31), timedelta(days=30, seconds=1), timedelta(days=400)]
    ):
        StartToken.objects.create(token=f"old-{i}", user=citizen, created_at=NOW - age)
    StartToken.objects.create(token="new", user=citizen, created_at=NOW - timedelta(days=2))


def remaining() -> tuple[list[str], list[str], list[str]]:
    return (
        sorted(LoginAttempt.objects.values_list("username_key", flat=True)),
        sorted(StartToken.objects.values_list("token", flat=True)),
        sorted(LockoutKey.objects.values_list("key", flat=True)),
    )


def test_prune_deletes_old_rows_and_keys_left_without_attempts(scene):
    pruned = records_prune(now=NOW)

    assert (pruned.attempts, pruned.tokens, pruned.keys) == (3, 3, 4)
    assert pruned.before == NOW - timedelta(days=30)
    assert remaining() == (["both", "both", "edge"], ["new"], ["both", "edge", "ip-1"])
    event = AuditEvent.objects.get(action="records.prune")
    assert (event.actor, event.object_type, event.data) == (
        None,
        "portal",
        {"login_attempts": 3, "start_tokens": 3, "lockout_keys": 4, "older_than_days": 30.0},
    )


def test_dry_run_counts_the_same_and_deletes_nothing(scene):
    before = remaining()

    pruned = records_prune(now=NOW, dry_run=True)

    assert (pruned.attempts, pruned.tokens, pruned.keys, pruned.dry_run) == (3, 3, 4, True)
    assert remaining() == before
    assert AuditEvent.objects.count() == 0


def test_a_longer_threshold_keeps_more(scene):
    pruned = records_prune(now=NOW, older_than=timedelta(days=100))

    assert (pruned.attempts, pruned.tokens, pruned.keys) == (1, 1, 2)
    assert remaining()[2] == ["both", "edge", "ip-1", "ip-old", "old-a"]


def test_a_threshold_below_one_day_is_refused_and_nothing_changes(scene):
    before = remaining()

    with pytest.raises(ValidationFailed) as refused:
        records_prune(now=NOW, older_than=timedelta(hours=23, minutes=59))

    assert refused.value.message == (
        "Ngưỡng xóa phải từ 1 ngày trở lên: các lần đăng nhập gần đây còn được dùng để tính "
        "khóa tạm thời."
    )
    assert remaining() == before
    assert AuditEvent.objects.count() == 0


def test_the_minimum_threshold_outlasts_every_lock_window():
    assert SIGN_UP.window + SIGN_UP.lock < MIN_AGE
    assert SIGN_IN.memory + SIGN_IN.max_delay < MIN_AGE


def test_a_running_lock_survives_the_shortest_prune():
    # Nine failures of one account from one address, the last a second ago: it waits 16 s
    # from that failure; an old failure of the same account goes, the wait stays.
    now = timezone.now()
    attempt(now - timedelta(days=1, seconds=1), "user", "ip-9")
    for seconds in (600, 500, 400, 300, 200, 100, 30, 10, 1):
        attempt(now - timedelta(seconds=seconds), "user", "ip-9")

    pruned = records_prune(older_than=MIN_AGE)

    assert (pruned.attempts, pruned.keys) == (1, 0)
    wait = sign_in_wait(username_key="user", ip_key="ip-9", now=now)
    assert wait is not None and (wait.scope, wait.until) == (
        "pair",
        now - timedelta(seconds=1) + timedelta(seconds=16),
    )


def test_keys_lock_recreates_a_pruned_row():
    attempt(timezone.now() - timedelta(days=40), "gone", "ip-gone")
    records_prune()
    assert LockoutKey.objects.count() == 0

    keys_lock("gone", "ip-gone")

    assert sorted(LockoutKey.objects.values_list("key", flat=True)) == ["gone", "ip-gone"]


def test_command_prints_counts_in_vietnamese(scene, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    out = io.StringIO()

    call_command("prune_records", "--dry-run", stdout=out)
    call_command("prune_records", "--older-than-days", "100", stdout=out)

    assert out.getvalue().splitlines() == [
        "Sẽ xóa 3 lần đăng nhập/đăng ký, 3 phiếu nộp hồ sơ một lần và 4 khóa chống dò mật khẩu "
        "(cũ hơn 30 ngày, trước 01/03/2026 02:30).",
        "Đã xóa 1 lần đăng nhập/đăng ký, 1 phiếu nộp hồ sơ một lần và 2 khóa chống dò mật khẩu "
        "(cũ hơn 100 ngày, trước 21/12/2025 02:30).",
    ]
    assert AuditEvent.objects.filter(action="records.prune").count() == 1


def test_command_refuses_less_than_a_day(scene):
    before = remaining()

    with pytest.raises(CommandError) as refused:
        call_command("prune_records", "--older-than-days", "0.5")

    assert refused.value.returncode == 2
    assert str(refused.value).startswith("Ngưỡng xóa phải từ 1 ngày trở lên")
    assert remaining() == before


def test_console_exits_2_below_a_day(tmp_path):
    result = subprocess.run(
        [str(MOTCUA), "prune-records", "--older-than-days", "0"],
        capture_output=True,
        text=True,
        env={"MOTCUA_VAR_DIR": str(tmp_path), "MOTCUA_DEMO": "1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "CommandError: Ngưỡng xóa phải từ 1 ngày trở lên: các lần đăng nhập gần đây còn được "
        "dùng để tính khóa tạm thời.\n"
    )
