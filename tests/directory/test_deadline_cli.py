"""`motcua deadline --start ISO8601 --duration 3d|4h [--agency CODE]` (domain.md §5).

Prints the due moment as ISO 8601 with offset and nothing else, exit 0; bad input → a
Vietnamese message on stderr, nothing on stdout, exit 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from motcua.core.models import CalendarOverride
from tests.factories import AgencyFactory
from tests.passes import sqlite_pass_only

MOTCUA = Path(sys.executable).with_name("motcua")


def deadline(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command in-process → (exit code, stdout, stderr)."""
    try:
        call_command("deadline", *args)
    except SystemExit as exit_:
        code = exit_.code
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.django_db
def test_spec_example(capsys):
    # Fri 13 Feb 16:30: 0h30, Tết 16–20 Feb skipped, Mon 23 8h, Tue 24 8h, Wed 25 7h30 →
    # 13:00 + 3h30 = 16:30.
    result = deadline(capsys, "--start", "2026-02-13T16:30:00+07:00", "--duration", "3d")

    assert result == (0, "2026-02-25T16:30:00+07:00\n", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Hours: 10:30–11:30 = 1h, 13:00 + 3h = 16:00.
        ("2026-03-10T10:30:00+07:00", "4h", "2026-03-10T16:00:00+07:00"),
        # "3 d" with a space, as the catalog writes it: Tue 07:30 + 24h → Thu 17:00.
        ("2026-03-10T07:30:00+07:00", "3 d", "2026-03-12T17:00:00+07:00"),
        # Ends exactly at the end of the afternoon: 17:00, not the next morning.
        ("2026-03-10T13:00:00+07:00", "4h", "2026-03-10T17:00:00+07:00"),
        # UTC in, +07:00 out: 09:30Z = 16:30 +07, the spec example again.
        ("2026-02-13T09:30:00Z", "3d", "2026-02-25T16:30:00+07:00"),
        ("2026-02-13T09:30:00+00:00", "3d", "2026-02-25T16:30:00+07:00"),
        # -05:00: 04:30-05 = 09:30Z, the same instant.
        ("2026-02-13T04:30:00-05:00", "3d", "2026-02-25T16:30:00+07:00"),
        # Fri 13 Mar 20:00Z = Sat 14 03:00 local → Mon 16 07:30 + 1h = 08:30.
        ("2026-03-13T20:00:00Z", "1h", "2026-03-16T08:30:00+07:00"),
        # Minutes only, no seconds in the input.
        ("2026-03-10T08:00+07:00", "1h", "2026-03-10T09:00:00+07:00"),
        # Make-up Saturday 22 Aug 2026: Fri 16:00–17:00 = 1h, Sat 07:30 + 1h = 08:30.
        ("2026-08-21T16:00:00+07:00", "2h", "2026-08-22T08:30:00+07:00"),
    ],
)
def test_prints_the_due_moment_only(capsys, start, duration, due):
    result = deadline(capsys, "--start", start, "--duration", duration)

    assert result == (0, f"{due}\n", "")


@pytest.mark.django_db
def test_agency_office_hours(capsys):
    AgencyFactory(code="000.00.21.H99", office_hours="08:00-12:00,13:30-17:30")

    # This agency's lunch is 12:00–13:30: 13:30 + 1h = 14:30 (default hours would give 14:00).
    with_agency = deadline(
        capsys,
        "--start",
        "2026-03-10T12:00:00+07:00",
        "--duration",
        "1h",
        "--agency",
        "000.00.21.H99",
    )
    without = deadline(capsys, "--start", "2026-03-10T12:00:00+07:00", "--duration", "1h")

    assert with_agency == (0, "2026-03-10T14:30:00+07:00\n", "")
    assert without == (0, "2026-03-10T14:00:00+07:00\n", "")


@pytest.mark.django_db
def test_agency_with_default_hours(capsys):
    AgencyFactory(code="000.00.22.H99")

    result = deadline(
        capsys,
        "--start",
        "2026-02-13T16:30:00+07:00",
        "--duration",
        "3d",
        "--agency",
        "000.00.22.H99",
    )

    assert result == (0, "2026-02-25T16:30:00+07:00\n", "")


@pytest.mark.django_db
def test_database_overrides_are_applied(capsys):
    CalendarOverride.objects.create(
        day=date(2026, 3, 11), kind=CalendarOverride.Kind.DAY_OFF, reason="Bão"
    )
    CalendarOverride.objects.create(
        day=date(2026, 3, 14), kind=CalendarOverride.Kind.WORKING_DAY, reason="Làm bù"
    )

    # Tue 10 16:00–17:00 = 1h, Wed 11 off → Thu 12 07:30 + 1h = 08:30.
    day_off = deadline(capsys, "--start", "2026-03-10T16:00:00+07:00", "--duration", "2h")
    # Fri 13 16:00–17:00 = 1h, Sat 14 worked → 07:30 + 1h = 08:30.
    working = deadline(capsys, "--start", "2026-03-13T16:00:00+07:00", "--duration", "2h")

    assert day_off == (0, "2026-03-12T08:30:00+07:00\n", "")
    assert working == (0, "2026-03-14T08:30:00+07:00\n", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "duration", "message"),
    [
        ("2026-02-13T16:30:00", "3d", "thiếu múi giờ"),
        ("2026-02-13 16:30", "3d", "thiếu múi giờ"),
        ("2026-02-13", "3d", "thiếu múi giờ"),
        ("hôm qua", "3d", "không đúng ISO 8601"),
        ("", "3d", "không đúng ISO 8601"),
        ("2026-02-30T10:00:00+07:00", "3d", "không đúng ISO 8601"),
        ("2026-02-13T25:00:00+07:00", "3d", "không đúng ISO 8601"),
        ("2026-02-13T16:30:00+07:00", "3", "Thời hạn giải quyết"),
        ("2026-02-13T16:30:00+07:00", "0d", "phải lớn hơn 0"),
        ("2026-02-13T16:30:00+07:00", "-1d", "Thời hạn giải quyết"),
        ("2026-02-13T16:30:00+07:00", "1.5d", "Thời hạn giải quyết"),
        ("2026-02-13T16:30:00+07:00", "3 ngày", "Thời hạn giải quyết"),
        ("2026-02-13T16:30:00+07:00", "", "Thời hạn giải quyết"),
        # Past the end of the calendar: a message, not a traceback.
        ("9999-12-31T16:00:00+07:00", "3d", "ngoài phạm vi"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, start, duration, message):
    # `--duration=-1d`: with a space argparse would read `-1d` as an option.
    code, out, err = deadline(capsys, f"--start={start}", f"--duration={duration}")

    assert code == 2
    assert out == ""
    assert message in err
    assert err.endswith("\n")
    assert err.count("\n") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("agency", ["000.00.99.H99", ""])
def test_unknown_agency_exits_2(capsys, agency):
    AgencyFactory(code="000.00.21.H99")

    code, out, err = deadline(
        capsys, "--start", "2026-02-13T16:30:00+07:00", "--duration", "3d", "--agency", agency
    )

    assert (code, out) == (2, "")
    assert err == f"Không có cơ quan mã '{agency}'.\n"


# --- the real console script -----------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory, migrated_sqlite) -> dict[str, str]:
    """A fresh var dir with a migrated SQLite database (the subprocess cannot see the test DB)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    var = tmp_path_factory.mktemp("motcua-var")
    shutil.copy(migrated_sqlite, var / "motcua.sqlite3")
    env["MOTCUA_VAR_DIR"] = str(var)
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MOTCUA), "deadline", *args], env=env, capture_output=True, text=True, timeout=60
    )


@sqlite_pass_only
def test_console_script_prints_the_spec_example(cli_env):
    result = run_cli(cli_env, "--start", "2026-02-13T16:30:00+07:00", "--duration", "3d")

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "2026-02-25T16:30:00+07:00\n",
        "",
    )


@sqlite_pass_only
def test_console_script_refuses_a_missing_argument(cli_env):
    # Only a real process shows this: in-process, argparse errors become CommandError.
    result = run_cli(cli_env, "--start", "2026-02-13T16:30:00+07:00")

    assert (result.returncode, result.stdout) == (2, "")
    assert "--duration" in result.stderr
