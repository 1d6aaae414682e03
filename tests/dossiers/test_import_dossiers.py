"""`motcua import-dossiers FILE.csv|FILE.jsonl` (domain.md §9): exact values, due moments,
idempotence, all-or-nothing rejection with every bad value located, counters = rebuild."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ, OfficeHours, WorkingCalendar
from motcua.counters.models import DailyCounter
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.dossiers.importer import (
    COLUMNS,
    DossierImportRejected,
    dossiers_import,
    moment_adapter,
    reference_for,
)
from motcua.dossiers.importer.catalog import EPOCH, DueClock, micros
from motcua.dossiers.lifecycle import dossier_record
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.engine import Period, kpi_compute
from tests.factories import ProcedureFactory

MOTCUA = Path(sys.executable).with_name("motcua")
SUMMARY = re.compile(
    r"^Đã nhập (\d+) hồ sơ từ (\S+): (\d+) mới, (\d+) cập nhật, (\d+) không đổi; "
    r"\d+\.\d giây \([\d.]+ hồ sơ/giây\)\.$"
)
ALL_STATES = (
    "received, in_progress, supplement_requested, suspended, transferred, result_ready, "
    "returned, refused, withdrawn, cancelled"
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Row 1: received online on Friday 13 Feb 2026 at 16:30, before Tết; "3 d" is due on
# Wednesday 25 Feb at 16:30 (§5's example); finished on time, returned, rated.
RETURNED = {
    "code": "000.00.11.H99-260213-0001",
    "procedure_code": "2.000488",
    "agency_code": "000.00.11.H99",
    "channel": "online",
    "received_at": "2026-02-13T16:30:00+07:00",
    "due_at": "",
    "finished_at": "2026-02-24T10:00:00+07:00",
    "returned_at": "2026-02-25T09:15:00+07:00",
    "state": "returned",
    "supplements": "0",
    "digitized": "true",
    "e_result": "true",
    "result_to_store": "false",
    "fee_amount": "200000",
    "paid_online": "true",
    "rating": "very_satisfied",
    "rated_at": "2026-02-26T08:00:00+07:00",
    "reused_data": "false",
    "registry_used": "true",
    "synced": "true",
}
# Row 2: received at the counter, refused at reception, with its due moment given.
REFUSED = {
    **RETURNED,
    "code": "000.00.11.H99-260302-0001",
    "channel": "direct",
    "received_at": "2026-03-02T08:00:00+07:00",
    "due_at": "2026-03-05T08:00:00+07:00",
    "finished_at": "",
    "returned_at": "",
    "state": "refused",
    "supplements": "1",
    "digitized": "false",
    "e_result": "false",
    "fee_amount": "0",
    "paid_online": "false",
    "rating": "",
    "rated_at": "",
    "registry_used": "false",
    "synced": "false",
}
# Row 3: still being processed; a later export finishes it.
OPEN = {
    **REFUSED,
    "code": "000.00.11.H99-260302-0002",
    "state": "in_progress",
    "due_at": "",
}


@pytest.fixture(autouse=True, params=["row by row", "rebuilt"])
def loading(request, monkeypatch):
    """Every test twice on PostgreSQL: with the indexes kept and written row by row, and with a
    first load's indexes and keys dropped and built again after the rows (`importer.bulk`),
    which any file into an empty table takes here."""
    from motcua.dossiers.importer import bulk

    if request.param == "rebuilt" and connection.vendor != "postgresql":
        pytest.skip("the indexes are rebuilt on PostgreSQL only")
    monkeypatch.setattr(bulk, "BULK_AFTER", 10**9 if request.param == "row by row" else 1)
    return request.param


@pytest.fixture
def write(tmp_path):
    def write(rows: list[dict], name: str = "hoso.csv", columns=COLUMNS) -> Path:
        path = tmp_path / name
        if name.endswith(".jsonl"):
            path.write_text(
                "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                encoding="utf-8",
            )
            return path
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            out.writeheader()
            out.writerows(rows)
        return path

    return write


def run_ok(path: Path, capsys) -> tuple[int, int, int, int]:
    """Import; return (rows, created, updated, unchanged) from the summary line."""
    call_command("import_dossiers", str(path))
    captured = capsys.readouterr()
    assert captured.err == ""
    match = SUMMARY.match(captured.out.strip())
    assert match, captured.out
    assert match.group(2) == path.name
    rows, _name, created, updated, unchanged = match.groups()
    return int(rows), int(created), int(updated), int(unchanged)


def written() -> tuple:
    return (
        list(Dossier.objects.order_by("pk").values()),
        list(DossierEvent.objects.order_by("pk").values()),
        counters_snapshot(),
        AuditEvent.objects.count(),
    )


def run_rejected(path: Path, capsys) -> list[str]:
    """Import a bad file; assert exit 2, no output and nothing written. Returns stderr lines."""
    before = written()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_dossiers", str(path))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert written() == before
    return captured.err.splitlines()


@pytest.fixture
def catalog(agency, procedure):
    """The conftest agency (default office hours) and procedure `2.000488` ("3 d", online)."""
    return agency, procedure


def test_csv_rows_become_dossiers_with_exact_values(catalog, write, capsys):
    agency, procedure = catalog
    path = write([RETURNED, REFUSED])

    assert run_ok(path, capsys) == (2, 2, 0, 0)

    returned = Dossier.objects.get(code=RETURNED["code"])
    assert returned.reference == reference_for(RETURNED["code"])
    assert re.fullmatch(r"NK-[0-9A-F]{20}", returned.reference)
    assert (returned.procedure_id, returned.agency_id) == (procedure.pk, agency.pk)
    assert (returned.channel, returned.state, returned.applicant_name) == ("online", "returned", "")
    assert returned.received_at == at("2026-02-13T16:30:00+07:00")
    assert returned.created_at == at("2026-02-13T16:30:00+07:00")
    assert returned.submitted_at == at("2026-02-13T16:30:00+07:00")
    assert returned.due_at == at("2026-02-25T16:30:00+07:00")
    assert returned.finished_at == at("2026-02-24T10:00:00+07:00")
    assert returned.returned_at == at("2026-02-25T09:15:00+07:00")
    assert returned.closed_at == at("2026-02-25T09:15:00+07:00")
    assert returned.refused_stage == ""
    assert returned.state_before_pause == ""
    assert returned.supplement_count == 0
    assert returned.fee_amount == 200000
    flags = ("paid_online", "digitized", "e_result", "result_to_store")
    assert [getattr(returned, f) for f in flags] == [True, True, True, False]
    assert returned.paid_online_at == at("2026-02-13T16:30:00+07:00")  # its reception
    flags = ("reused_data", "registry_used", "synced")
    assert [getattr(returned, f) for f in flags] == [False, True, True]
    assert (returned.rating, returned.rated_at) == ("very_satisfied", at("2026-02-26T08:00+07:00"))
    assert returned.version == 0

    refused = Dossier.objects.get(code=REFUSED["code"])
    assert (refused.channel, refused.state, refused.refused_stage) == (
        "direct",
        "refused",
        "reception",
    )
    assert refused.submitted_at is None
    assert refused.due_at == at("2026-03-05T08:00:00+07:00")
    assert refused.finished_at is None
    assert refused.returned_at is None
    # Refused at reception: closed at the moment of reception.
    assert refused.closed_at == at("2026-03-02T08:00:00+07:00")
    assert refused.supplement_count == 1
    assert (refused.fee_amount, refused.paid_online, refused.rating, refused.rated_at) == (
        0,
        False,
        "",
        None,
    )
    assert refused.paid_online_at is None

    events = list(
        DossierEvent.objects.order_by("dossier__code").values_list(
            "dossier__code", "seq", "at", "actor", "action", "from_state", "to_state", "payload"
        )
    )
    assert events == [
        (
            RETURNED["code"],
            1,
            at("2026-02-13T16:30:00+07:00"),
            None,
            "import",
            "",
            "returned",
            {"source": "hoso.csv"},
        ),
        (
            REFUSED["code"],
            1,
            at("2026-03-02T08:00:00+07:00"),
            None,
            "import",
            "",
            "refused",
            {"source": "hoso.csv"},
        ),
    ]
    audit = AuditEvent.objects.get()
    assert (audit.actor, audit.action, audit.object_type) == (None, "dossiers.import", "dossier")
    assert audit.data == {
        "source": "hoso.csv",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_counters_of_an_imported_dossier_are_exact(catalog, write, capsys):
    agency, _procedure = catalog
    run_ok(write([RETURNED]), capsys)

    received, finished, rated = date(2026, 2, 13), date(2026, 2, 24), date(2026, 2, 26)
    a = agency.pk
    assert counters_snapshot() == {
        (a, received, "received"): 1,
        (a, received, "received_online"): 1,
        (a, received, "received_online_offer"): 1,
        (a, received, "received_online_offer_online"): 1,
        (a, received, "synced"): 1,
        (a, received, "digitized"): 1,
        (a, received, "registry_used"): 1,
        (a, received, "with_fee"): 1,
        (a, received, "with_fee_paid_online"): 1,
        # §9 has no payment moment: the payment is counted on the day of reception.
        (a, received, "payments_online"): 1,
        (a, received, "payments_online_amount"): 200000,
        (a, finished, "finished"): 1,
        (a, finished, "finished_on_time"): 1,
        (a, finished, "e_result"): 1,
        (a, rated, "rated"): 1,
        (a, rated, "rated_satisfied"): 1,
    }


def test_jsonl_takes_native_json_values_nulls_and_blank_lines(catalog, write, capsys):
    native = {
        **RETURNED,
        "due_at": None,
        "supplements": 2,
        "digitized": False,
        "e_result": True,
        "result_to_store": True,
        "fee_amount": 50000,
        "paid_online": False,
        "reused_data": True,
        "registry_used": False,
        "synced": False,
        "rating": "unsatisfied",
    }
    path = write([native], name="hoso.jsonl")
    # A JSON key may be left out when its value is empty, and blank lines are skipped.
    second = {k: v for k, v in REFUSED.items() if k not in ("rating", "rated_at", "returned_at")}
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + json.dumps(second) + "\n\n")

    assert run_ok(path, capsys) == (2, 2, 0, 0)

    dossier = Dossier.objects.get(code=RETURNED["code"])
    assert dossier.due_at == at("2026-02-25T16:30:00+07:00")
    assert dossier.supplement_count == 2
    assert dossier.fee_amount == 50000
    flags = ("paid_online", "digitized", "e_result", "result_to_store")
    assert [getattr(dossier, f) for f in flags] == [False, False, True, True]
    flags = ("reused_data", "registry_used", "synced")
    assert [getattr(dossier, f) for f in flags] == [True, False, False]
    assert dossier.rating == "unsatisfied"
    refused = Dossier.objects.get(code=REFUSED["code"])
    assert (refused.state, refused.rating, refused.rated_at, refused.returned_at) == (
        "refused",
        "",
        None,
        None,
    )
    assert list(DossierEvent.objects.values_list("action", flat=True)) == ["import", "import"]
    assert DossierEvent.objects.first().payload == {"source": "hoso.jsonl"}


def test_due_at_is_computed_on_the_agency_calendar_when_empty(catalog, write, capsys):
    agency, _procedure = catalog
    ProcedureFactory(code="1.000001", time_limit=None, agencies=[agency])
    ProcedureFactory(code="1.000002", time_limit="4 h", agencies=[agency])
    rows = [
        OPEN,  # Monday 08:00 + 3 working days
        {**OPEN, "code": "K-1", "procedure_code": "1.000001"},  # no published time limit
        # Friday 16:30 + 4 working hours: 30 minutes on Friday, Tết, then 3½ hours on 23 Feb.
        {
            **OPEN,
            "code": "K-2",
            "procedure_code": "1.000002",
            "received_at": RETURNED["received_at"],
        },
        # Received on a Saturday: the clock starts on Monday morning.
        {
            **OPEN,
            "code": "K-3",
            "procedure_code": "1.000002",
            "received_at": "2026-03-07T10:00:00+07:00",
        },
    ]

    run_ok(write(rows), capsys)

    due = dict(Dossier.objects.values_list("code", "due_at"))
    assert due == {
        OPEN["code"]: at("2026-03-05T08:00:00+07:00"),
        "K-1": None,
        "K-2": at("2026-02-23T11:00:00+07:00"),
        "K-3": at("2026-03-09T11:30:00+07:00"),
    }


def test_the_due_moment_follows_the_agency_office_hours(catalog, write, capsys):
    agency, _procedure = catalog
    agency.office_hours = "08:00-12:00"
    agency.save(update_fields=["office_hours"])
    ProcedureFactory(code="1.000002", time_limit="4 h", agencies=[agency])

    run_ok(write([{**OPEN, "procedure_code": "1.000002"}]), capsys)

    # Monday 08:00 + 4 working hours of a morning-only office: Monday 12:00.
    assert Dossier.objects.get().due_at == at("2026-03-02T12:00:00+07:00")


def test_refused_after_processing_and_paused_states(catalog, write, capsys):
    rows = [
        {
            **REFUSED,
            "finished_at": "2026-03-04T15:00:00+07:00",
        },
        {**OPEN, "code": "K-1", "state": "suspended"},
        {**OPEN, "code": "K-2", "state": "withdrawn"},
    ]

    run_ok(write(rows), capsys)

    refused = Dossier.objects.get(code=REFUSED["code"])
    assert refused.refused_stage == "processing"
    assert refused.closed_at == at("2026-03-04T15:00:00+07:00")
    suspended = Dossier.objects.get(code="K-1")
    assert (suspended.state_before_pause, suspended.closed_at) == ("in_progress", None)
    withdrawn = Dossier.objects.get(code="K-2")
    assert (withdrawn.refused_stage, withdrawn.closed_at) == ("", at(OPEN["received_at"]))


def test_reimporting_the_same_file_changes_nothing(catalog, write, capsys):
    path = write([RETURNED, REFUSED, OPEN])
    run_ok(path, capsys)
    before = written()[:3]

    assert run_ok(path, capsys) == (3, 0, 0, 3)

    assert written()[:3] == before
    assert AuditEvent.objects.filter(action="dossiers.import").count() == 2
    assert AuditEvent.objects.order_by("-id").first().data == {
        "source": "hoso.csv",
        "rows": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }


def test_a_changed_row_updates_its_dossier_and_appends_an_event(catalog, write, capsys):
    run_ok(write([RETURNED, OPEN]), capsys)
    untouched = Dossier.objects.values().get(code=RETURNED["code"])
    finished = {
        **OPEN,
        "state": "result_ready",
        "finished_at": "2026-03-04T16:00:00+07:00",
        "e_result": "true",
    }

    assert run_ok(write([RETURNED, finished]), capsys) == (2, 0, 1, 1)

    dossier = Dossier.objects.get(code=OPEN["code"])
    assert (dossier.state, dossier.finished_at, dossier.e_result, dossier.version) == (
        "result_ready",
        at("2026-03-04T16:00:00+07:00"),
        True,
        1,
    )
    assert dossier.reference == reference_for(OPEN["code"])
    events = list(
        dossier.events.order_by("seq").values_list(
            "seq", "action", "from_state", "to_state", "payload"
        )
    )
    assert events == [
        (1, "import", "", "in_progress", {"source": "hoso.csv"}),
        (
            2,
            "import_update",
            "in_progress",
            "result_ready",
            {"source": "hoso.csv", "fields": ["state", "finished_at", "e_result"]},
        ),
    ]
    assert Dossier.objects.values().get(code=RETURNED["code"]) == untouched
    assert DossierEvent.objects.filter(dossier__code=RETURNED["code"]).count() == 1


def test_an_imported_online_payment_is_dated_at_reception_and_follows_the_row(
    catalog, write, capsys
):
    agency, _procedure = catalog
    unpaid = OPEN | {"fee_amount": "30000"}
    run_ok(write([RETURNED, unpaid]), capsys)
    february, march = (Period(date(2026, m, 1), date(2026, m, 28)) for m in (2, 3))
    kpi = kpi_compute(agency=agency, period=february)
    assert (kpi["payments_online_count"], kpi["payments_online_amount"]) == (1, 200000)

    paid = unpaid | {"paid_online": "true"}
    assert run_ok(write([RETURNED, paid]), capsys) == (2, 0, 1, 1)

    dossier = Dossier.objects.get(code=OPEN["code"])
    assert (dossier.paid_online, dossier.paid_online_at) == (True, at(OPEN["received_at"]))
    event = dossier.events.get(seq=2)
    assert event.payload["fields"] == ["paid_online", "paid_online_at"]
    kpi = kpi_compute(agency=agency, period=march)
    assert (kpi["payments_online_count"], kpi["payments_online_amount"]) == (1, 30000)
    assert run_ok(write([RETURNED, paid]), capsys) == (2, 0, 0, 2)

    assert run_ok(write([RETURNED, unpaid]), capsys) == (2, 0, 1, 1)
    assert Dossier.objects.get(code=OPEN["code"]).paid_online_at is None
    kpi = kpi_compute(agency=agency, period=march)
    assert (kpi["payments_online_count"], kpi["payments_online_amount"]) == (0, 0)
    imported = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == imported


def test_counters_equal_a_rebuild_after_import_and_after_reimport_with_changes(
    catalog, write, capsys
):
    agency, _procedure = catalog
    other = ProcedureFactory(code="1.000003", online="none", time_limit="1 d", agencies=[agency])
    rows = [
        RETURNED,
        REFUSED,
        OPEN,
        {**RETURNED, "code": "K-1", "procedure_code": other.code, "supplements": "2"},
        {**RETURNED, "code": "K-2", "finished_at": "2026-03-20T10:00:00+07:00", "returned_at": ""}
        | {"state": "result_ready", "rating": "", "rated_at": ""},
    ]
    run_ok(write(rows), capsys)
    imported = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == imported

    changed = [
        {**RETURNED, "received_at": "2026-02-12T09:00:00+07:00", "rating": "unsatisfied"},
        REFUSED | {"synced": "true", "fee_amount": "15000", "paid_online": "true"},
        OPEN | {"state": "result_ready", "finished_at": "2026-03-30T10:00:00+07:00"},
        {**rows[3], "procedure_code": "2.000488", "channel": "postal"},
        rows[4],
        {**OPEN, "code": "K-3"},
    ]
    assert run_ok(write(changed), capsys) == (6, 1, 4, 1)
    reimported = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == reimported
    assert reimported != imported


def test_a_csv_from_a_spreadsheet_with_bom_and_crlf_is_read(catalog, tmp_path, capsys):
    path = tmp_path / "excel.csv"
    lines = [",".join(COLUMNS), ",".join(RETURNED[c] for c in COLUMNS)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")

    assert run_ok(path, capsys) == (1, 1, 0, 0)
    assert Dossier.objects.get().code == RETURNED["code"]


BAD_CASES = {
    "unknown procedure": (
        {"procedure_code": "9.999999"},
        "line 3, column procedure_code: không có thủ tục mã '9.999999' trong danh mục",
    ),
    "unknown agency": (
        {"agency_code": "000.00.99.H99"},
        "line 3, column agency_code: không có cơ quan mã '000.00.99.H99' trong danh mục",
    ),
    "bad channel": (
        {"channel": "fax"},
        "line 3, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal",
    ),
    "bad state": (
        {"state": "done"},
        f"line 3, column state: 'done' không hợp lệ; phải là một trong: {ALL_STATES}",
    ),
    "state before reception": (
        {"state": "draft"},
        f"line 3, column state: 'draft' không hợp lệ; phải là một trong: {ALL_STATES}",
    ),
    "bad rating": (
        {"rating": "good"},
        "line 3, column rating: 'good' không hợp lệ; phải là một trong: very_satisfied, "
        "satisfied, unsatisfied",
    ),
    "naive time": (
        {"received_at": "2026-03-02T08:00:00"},
        "line 3, column received_at: thời điểm '2026-03-02T08:00:00' thiếu múi giờ "
        "(ví dụ 2026-02-13T16:30:00+07:00)",
    ),
    "not a time": (
        {"due_at": "05/03/2026"},
        "line 3, column due_at: '05/03/2026' không phải thời điểm ISO 8601 có múi giờ "
        "(ví dụ 2026-02-13T16:30:00+07:00)",
    ),
    "missing reception": (
        {"received_at": ""},
        "line 3, column received_at: bắt buộc, không được để trống",
    ),
    "missing code": ({"code": " "}, "line 3, column code: bắt buộc, không được để trống"),
    "bad boolean": (
        {"digitized": "yes"},
        "line 3, column digitized: 'yes' phải là true hoặc false",
    ),
    "capitalised boolean": (
        {"synced": "True"},
        "line 3, column synced: 'True' phải là true hoặc false",
    ),
    "empty boolean": (
        {"paid_online": ""},
        "line 3, column paid_online: '' phải là true hoặc false",
    ),
    "negative fee": ({"fee_amount": "-5"}, "line 3, column fee_amount: -5 không được âm"),
    "fractional supplements": (
        {"supplements": "1.5"},
        "line 3, column supplements: '1.5' phải là số nguyên ≥ 0",
    ),
    "duplicate code": (
        {"code": RETURNED["code"]},
        f"line 3, column code: mã hồ sơ '{RETURNED['code']}' trùng với dòng 2",
    ),
    "finished before received": (
        {"state": "result_ready", "finished_at": "2026-03-01T10:00:00+07:00"},
        "line 3, column finished_at: 2026-03-01T10:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
    ),
    "due before received": (
        {"due_at": "2026-03-01T08:00:00+07:00"},
        "line 3, column due_at: 2026-03-01T08:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
    ),
    # The moments' order is checked while staging (`stage.Preparer`), each against the right
    # moment: a return against the finish when there is one, else against reception.
    "returned before finished": (
        {
            "state": "returned",
            "finished_at": "2026-03-04T10:00:00+07:00",
            "returned_at": "2026-03-03T10:00:00+07:00",
        },
        "line 3, column returned_at: 2026-03-03T10:00:00+07:00 không được trước finished_at "
        "(2026-03-04T10:00:00+07:00)",
    ),
    "returned before received": (
        {"state": "withdrawn", "returned_at": "2026-03-01T10:00:00+07:00"},
        "line 3, column returned_at: 2026-03-01T10:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
    ),
    "rated before received": (
        {"rating": "satisfied", "rated_at": "2026-03-02T00:59:59+00:00"},
        "line 3, column rated_at: 2026-03-02T00:59:59+00:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
    ),
    "returned without its moment": (
        {"state": "returned", "finished_at": "2026-03-04T10:00:00+07:00"},
        "line 3, column returned_at: bắt buộc khi trạng thái là returned",
    ),
    "finished while open": (
        {"finished_at": "2026-03-04T10:00:00+07:00"},
        "line 3, column finished_at: hồ sơ ở trạng thái in_progress chưa có kết quả; "
        "finished_at chỉ có ở trạng thái result_ready, returned hoặc refused "
        "(từ chối sau xử lý)",
    ),
    "rating without its moment": (
        {"rating": "satisfied"},
        "line 3, column rated_at: bắt buộc khi có đánh giá (rating)",
    ),
}


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_a_bad_row_rejects_the_whole_csv(case, catalog, write, capsys):
    changes, expected = BAD_CASES[case]
    path = write([RETURNED, {**OPEN, **changes}])

    err = run_rejected(path, capsys)

    assert err == ["Tệp hồ sơ có 1 lỗi ở 1 dòng; không có dữ liệu nào được ghi.", expected]


def test_the_same_bad_row_in_jsonl_is_located_by_its_line(catalog, write, capsys):
    path = write([RETURNED, {**OPEN, "paid_online": "yes", "fee_amount": -5}], name="hoso.jsonl")

    err = run_rejected(path, capsys)

    assert err[1:] == [
        "line 2, column fee_amount: -5 không được âm",
        "line 2, column paid_online: 'yes' phải là true hoặc false",
    ]


def test_a_malformed_jsonl_line_is_located(catalog, write, capsys):
    path = write([RETURNED], name="hoso.jsonl")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"code": "K-1",, "state": "received"}\n')
        handle.write('["not", "an", "object"]\n')
        handle.write(json.dumps({**OPEN, "colour": "blue"}) + "\n")

    err = run_rejected(path, capsys)

    assert err == [
        "Tệp hồ sơ có 3 lỗi ở 3 dòng; không có dữ liệu nào được ghi.",
        "line 2, column 16: JSON sai cú pháp: Expecting property name enclosed in double quotes",
        "line 3, column -: mỗi dòng phải là một đối tượng JSON",
        "line 4, column colour: cột không có trong hợp đồng nhập",
    ]


def test_a_missing_csv_column_is_reported_on_the_header_line(catalog, write, capsys):
    columns = [c for c in COLUMNS if c not in ("synced", "state")] + ["note"]
    path = write([RETURNED], columns=columns)

    err = run_rejected(path, capsys)

    assert err == [
        "Tệp hồ sơ có 3 lỗi ở 1 dòng; không có dữ liệu nào được ghi.",
        "line 1, column note: cột không có trong hợp đồng nhập",
        "line 1, column state: thiếu cột",
        "line 1, column synced: thiếu cột",
    ]


def test_a_csv_row_with_too_few_fields_is_located(catalog, tmp_path, capsys):
    path = tmp_path / "hoso.csv"
    short = ",".join(OPEN[c] for c in COLUMNS[:-2])
    path.write_text(",".join(COLUMNS) + "\n" + short + "\n", encoding="utf-8")

    err = run_rejected(path, capsys)

    assert err[1:] == ["line 2, column registry_used: dòng có 18 trường, tiêu đề có 20 cột"]


def test_every_bad_row_is_reported_and_nothing_is_written(catalog, write, capsys):
    rows = [
        RETURNED,
        {**OPEN, "channel": "fax", "received_at": "2026-03-02 08:00"},
        REFUSED,
        {**OPEN, "code": "K-1", "procedure_code": "9.999999", "synced": "1"},
        {**OPEN, "code": RETURNED["code"]},
    ]
    path = write(rows)

    err = run_rejected(path, capsys)

    assert err == [
        "Tệp hồ sơ có 5 lỗi ở 3 dòng; không có dữ liệu nào được ghi.",
        "line 3, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal",
        "line 3, column received_at: thời điểm '2026-03-02 08:00' thiếu múi giờ "
        "(ví dụ 2026-02-13T16:30:00+07:00)",
        "line 5, column procedure_code: không có thủ tục mã '9.999999' trong danh mục",
        "line 5, column synced: '1' phải là true hoặc false",
        f"line 6, column code: mã hồ sơ '{RETURNED['code']}' trùng với dòng 2",
    ]
    assert Dossier.objects.count() == 0


def test_a_rejected_reimport_leaves_the_first_import_as_it_was(catalog, write, capsys):
    run_ok(write([RETURNED, OPEN]), capsys)
    changed = {**OPEN, "state": "result_ready", "finished_at": "2026-03-04T16:00:00+07:00"}

    err = run_rejected(write([changed, {**REFUSED, "state": "closed"}]), capsys)

    assert err[1].startswith("line 3, column state: 'closed' không hợp lệ")
    assert Dossier.objects.get(code=OPEN["code"]).state == "in_progress"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hoso.xlsx", "tệp phải có đuôi .csv hoặc .jsonl"),
        ("khong-co.csv", "không tìm thấy tệp"),
    ],
)
def test_a_file_that_cannot_be_read_is_rejected(catalog, tmp_path, capsys, name, message):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        path.write_bytes(b"PK\x03\x04")

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_dossiers", str(path))

    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"{path}: {message}\n"


def test_a_line_that_is_not_utf8_is_located(catalog, tmp_path, capsys):
    path = tmp_path / "hoso.csv"
    bad = ",".join({**OPEN, "code": "K-X"}[c] for c in COLUMNS).encode().replace(b"K-X", b"K-\xe9")
    text = ",".join(COLUMNS) + "\n" + ",".join(RETURNED[c] for c in COLUMNS) + "\n"
    path.write_bytes(text.encode() + bad + b"\n")

    err = run_rejected(path, capsys)

    assert err[1:] == ["line 3, column -: dòng không phải UTF-8"]


def test_progress_is_reported_for_both_passes(catalog, write):
    path = write([RETURNED, REFUSED, OPEN])
    bars: list[dict] = []

    class Bar:
        def __init__(self, **options):
            self.options = options
            self.done = 0
            self.closed = False
            bars.append(self.__dict__)

        def update(self, n: int = 1) -> None:
            self.done += n

        def close(self) -> None:
            self.closed = True

    report = dossiers_import(actor=None, path=path, progress=Bar, batch_size=2)

    assert report.counts() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    size = path.stat().st_size
    assert [
        (b["options"]["desc"], b["options"]["total"], b["done"], b["closed"]) for b in bars
    ] == [
        ("Kiểm tra", size, size, True),
        ("Ghi", 3, 3, True),
    ]


REBUILD = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM",
    "SET CONSTRAINTS ALL IMMEDIATE",
    "SELECT quote_ident",
    "SELECT name, sql FROM sqlite_master",
    "DROP INDEX",
    "CREATE INDEX",
    "CREATE UNIQUE INDEX",
    "ALTER TABLE dossiers_",
)


def test_queries_do_not_grow_with_the_rows(catalog, write, loading):
    def queries(rows: int) -> list[str]:
        path = write([{**OPEN, "code": f"K-{rows}-{n}"} for n in range(rows)])
        with CaptureQueriesContext(connection) as captured:
            report = dossiers_import(actor=None, path=path, batch_size=20)
        assert report.created == rows
        return [q["sql"] for q in captured.captured_queries]

    small, large = queries(60), queries(600)

    # A fixed set of set-based statements (the catalog, the temporary tables, the checks,
    # the writes, the counters, the audit); besides them only the staging rows, one
    # statement a chunk of 20 on SQLite (`executemany`), none on PostgreSQL (one `COPY`,
    # not a query Django sees).
    def staging(sql: str) -> bool:
        return 'INSERT INTO "motcua_import_staging"' in sql

    chunks = 1 if connection.vendor == "sqlite" else 0
    assert sum(map(staging, small)) == 3 * chunks
    assert sum(map(staging, large)) == 30 * chunks
    fixed = [sql for sql in small if not staging(sql)]
    assert len(fixed) == len([sql for sql in large if not staging(sql)])
    # A first load's own statements (`importer.bulk`): two an index or key and three reads,
    # as many for 60 rows as for 600.
    rebuild = [sql for sql in fixed if sql.lstrip().startswith(REBUILD)]
    assert bool(rebuild) == (loading == "rebuilt")
    # PostgreSQL: 37, the dossier sequence's name and the block of ids taken from it, the
    # work schema's read and making, the events' own INSERT and, inside this test's
    # transaction, the savepoint around the file's `COPY` among them.
    assert len(fixed) - len(rebuild) <= 37


def test_the_import_leaves_the_connection_settings_as_they_were(catalog, write):
    """On SQLite the write pass enlarges the page cache; afterwards it is what it was."""

    def cache_size() -> int | None:
        if connection.vendor != "sqlite":
            return None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()

    report = dossiers_import(actor=None, path=write([OPEN]))

    assert (report.created, cache_size()) == (1, before)


def test_moments_are_stored_as_django_stores_them(db):
    adapt = moment_adapter(connection)
    moment = at("2026-02-13T16:30:00.250000+07:00")
    if connection.vendor == "sqlite":
        assert str(adapt(moment)) == connection.ops.adapt_datetimefield_value(moment)
    else:
        assert adapt(moment) == moment
    assert adapt(None) is None


def test_the_console_script_takes_the_dashed_name(tmp_path):
    missing = tmp_path / "khong-co.jsonl"
    result = subprocess.run(
        [str(MOTCUA), "import-dossiers", str(missing)],
        capture_output=True,
        text=True,
        env={"MOTCUA_VAR_DIR": str(tmp_path), "MOTCUA_DEMO": "1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"{missing}: không tìm thấy tệp\n"


def test_timezone_of_stored_moments_is_kept(catalog, write, capsys):
    run_ok(write([{**OPEN, "received_at": "2026-03-02T01:00:00+00:00"}]), capsys)

    dossier = Dossier.objects.get()
    assert dossier.received_at.astimezone(TZ) == at("2026-03-02T08:00:00+07:00")
    assert DailyCounter.objects.filter(metric="received").get().day == date(2026, 3, 2)


# Paid online live, through the gateway, on Tuesday 10 March — a week after reception.
PAID_LIVE = at("2026-03-10T14:20:00+07:00")


def pay_live(code: str) -> Dossier:
    """What a confirmed online payment does to the dossier (payments' `_mark_paid`)."""
    return dossier_record(
        actor=None,
        dossier=Dossier.objects.get(code=code),
        action="pay",
        at=PAID_LIVE,
        changes={"paid_online": True, "paid_online_at": PAID_LIVE},
    )


def payments_in(agency, period: Period) -> tuple[int, int]:
    kpi = kpi_compute(agency=agency, period=period)
    return kpi["payments_online_count"], kpi["payments_online_amount"]


def test_reimporting_a_dossier_paid_online_live_keeps_its_moment_and_changes_nothing(
    catalog, write, capsys
):
    agency, _procedure = catalog
    unpaid = OPEN | {"fee_amount": "30000"}
    run_ok(write([unpaid]), capsys)
    pay_live(OPEN["code"])
    before = written()[:3]
    march_2 = Period(date(2026, 3, 2), date(2026, 3, 2))
    march_10 = Period(date(2026, 3, 10), date(2026, 3, 10))

    # The next export from the old system knows the dossier is paid online.
    assert run_ok(write([unpaid | {"paid_online": "true"}]), capsys) == (1, 0, 0, 1)

    assert written()[:3] == before
    assert Dossier.objects.get(code=OPEN["code"]).paid_online_at == PAID_LIVE
    assert payments_in(agency, march_10) == (1, 30000)
    assert payments_in(agency, march_2) == (0, 0)


def test_a_changed_row_of_a_dossier_paid_live_keeps_the_payment_moment(catalog, write, capsys):
    agency, _procedure = catalog
    paid = OPEN | {"fee_amount": "30000", "paid_online": "true"}
    run_ok(write([OPEN | {"fee_amount": "30000"}]), capsys)
    pay_live(OPEN["code"])
    finished = paid | {"state": "result_ready", "finished_at": "2026-03-04T16:00:00+07:00"}

    assert run_ok(write([finished]), capsys) == (1, 0, 1, 0)

    dossier = Dossier.objects.get(code=OPEN["code"])
    assert (dossier.state, dossier.paid_online, dossier.paid_online_at) == (
        "result_ready",
        True,
        PAID_LIVE,
    )
    assert dossier.events.order_by("-seq").first().payload == {
        "source": "hoso.csv",
        "fields": ["state", "finished_at"],
    }

    # The flag turning false clears the moment; turning true again, the file's only moment
    # is the reception.
    assert run_ok(write([finished | {"paid_online": "false"}]), capsys) == (1, 0, 1, 0)
    dossier = Dossier.objects.get(code=OPEN["code"])
    assert (dossier.paid_online, dossier.paid_online_at) == (False, None)
    assert dossier.events.order_by("-seq").first().payload["fields"] == [
        "paid_online",
        "paid_online_at",
    ]
    assert run_ok(write([finished]), capsys) == (1, 0, 1, 0)
    dossier = Dossier.objects.get(code=OPEN["code"])
    assert (dossier.paid_online, dossier.paid_online_at) == (True, at(OPEN["received_at"]))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert payments_in(agency, march) == (1, 30000)
    imported = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == imported


def test_bad_rows_at_several_places_are_all_reported_and_nothing_is_written(catalog, write, capsys):
    """Problems found while reading (a moment), by the set-based check (codes, value sets,
    order of moments) and by the duplicate check, across chunks, all in one report."""
    good = [{**OPEN, "code": f"K-{n}"} for n in range(1, 41)]
    rows = [
        {**good[0], "received_at": "02/03/2026 08:00"},  # line 2: read while streaming
        *good[1:15],
        {**OPEN, "code": "K-16", "agency_code": "000.00.99.H99"},  # line 17: SQL, catalog
        {**OPEN, "code": "K-17", "state": "done", "fee_amount": "-1"},  # line 18: SQL, two
        *good[17:30],
        {**OPEN, "code": "K-31", "rated_at": "2026-03-01T08:00:00+07:00"},  # line 32: order
        *good[31:39],
        {**OPEN, "code": "K-5", "finished_at": "2026-03-01T10:00:00+07:00"},  # line 41: both
    ]
    path = write(rows)

    before = written()
    with pytest.raises(DossierImportRejected) as rejected:
        dossiers_import(actor=None, path=path, batch_size=7)

    assert [str(p) for p in rejected.value.problems] == [
        "line 2, column received_at: '02/03/2026 08:00' không phải thời điểm ISO 8601 có múi "
        "giờ (ví dụ 2026-02-13T16:30:00+07:00)",
        "line 17, column agency_code: không có cơ quan mã '000.00.99.H99' trong danh mục",
        f"line 18, column state: 'done' không hợp lệ; phải là một trong: {ALL_STATES}",
        "line 18, column fee_amount: -1 không được âm",
        "line 32, column rated_at: 2026-03-01T08:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
        "line 41, column finished_at: 2026-03-01T10:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
        "line 41, column code: mã hồ sơ 'K-5' trùng với dòng 6",
    ]
    assert written() == before
    assert Dossier.objects.count() == 0
    # The command says the same on stderr, with the count, and exits 2.
    err = run_rejected(path, capsys)
    assert err[0] == "Tệp hồ sơ có 7 lỗi ở 5 dòng; không có dữ liệu nào được ghi."
    assert err[1:] == [str(p) for p in rejected.value.problems]


def test_the_same_problems_in_jsonl_with_native_values(catalog, write, capsys):
    rows = [
        {**OPEN, "code": "K-1", "supplements": 1, "synced": True, "due_at": None},
        {**OPEN, "code": 7, "digitized": 1},  # a number for a text and for a boolean
        {**OPEN, "code": "K-3", "channel": "fax"},
        {**OPEN, "code": "K-1", "fee_amount": 1.5},
    ]
    err = run_rejected(write(rows, name="hoso.jsonl"), capsys)

    assert err[1:] == [
        "line 2, column code: phải là chuỗi ký tự",
        "line 2, column digitized: '1' phải là true hoặc false",
        "line 3, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal",
        "line 4, column fee_amount: '1.5' phải là số nguyên ≥ 0",
        "line 4, column code: mã hồ sơ 'K-1' trùng với dòng 1",
    ]


def test_values_the_checker_accepts_in_another_form_are_imported_alike(catalog, write, capsys):
    """Spaces around values, a space for the `T`, `Z` for UTC, an offset other than +07:00:
    the checker takes them, so the import writes what the canonical row writes."""
    loose = {
        **RETURNED,
        "code": f"  {RETURNED['code']} ",
        "procedure_code": " 2.000488",
        "channel": "online ",
        "received_at": " 2026-02-13 16:30:00+07:00",
        "finished_at": "2026-02-24T03:00:00Z",
        "returned_at": "2026-02-25T02:15:00.000000+00:00",
        "supplements": "+0",
        "digitized": " true",
        "rating": " very_satisfied",
    }
    assert run_ok(write([loose]), capsys) == (1, 1, 0, 0)
    imported = written()[:3]
    Dossier.objects.all().delete()
    DailyCounter.objects.all().delete()

    assert run_ok(write([RETURNED]), capsys) == (1, 1, 0, 0)

    def comparable(state: tuple) -> tuple:
        dossiers, events, counters = state
        skip = {"id", "updated_at", "dossier_id"}
        return (
            [{k: v for k, v in d.items() if k not in skip} for d in dossiers],
            [{k: v for k, v in e.items() if k not in skip} for e in events],
            counters,
        )

    assert comparable(written()[:3]) == comparable(imported)
    assert Dossier.objects.get().due_at == at("2026-02-25T16:30:00+07:00")


def test_rows_across_many_chunks_are_all_written_with_their_due_moments(catalog, write, capsys):
    rows = [
        {**OPEN, "code": f"K-{n}", "received_at": f"2026-03-{1 + n % 28:02d}T09:00:00+07:00"}
        for n in range(250)
    ]
    path = write(rows)

    report = dossiers_import(actor=None, path=path, batch_size=16)

    assert report.counts() == {"rows": 250, "created": 250, "updated": 0, "unchanged": 0}
    due = dict(Dossier.objects.values_list("code", "due_at"))
    calendar = WorkingCalendar()
    for row in rows:
        assert due[row["code"]] == calendar.add(at(row["received_at"]), timedelta(hours=24))
    assert DossierEvent.objects.filter(action="import", seq=1).count() == 250
    imported = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == imported


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(TZ)
    ),
    minutes=st.integers(min_value=0, max_value=480 * 90),
    hours=st.sampled_from(["07:30-11:30,13:00-17:00", "08:00-12:00", "07:00-17:00"]),
    utc=st.booleans(),
)
def test_the_due_clock_gives_the_calendar_due_moment(start, minutes, hours, utc):
    """`DueClock.add` lays the periods out once; it must agree with `WorkingCalendar.add`
    wherever the import asks, in any order of starts (each widens the span as needed)."""
    calendar = WorkingCalendar(
        hours=OfficeHours.parse(hours),
        extra_days_off=frozenset({date(2026, 3, 3)}),
        extra_working_days=frozenset({date(2026, 3, 7)}),
    )
    clock = _CLOCKS.setdefault(hours, DueClock(calendar))
    if utc:
        start = start.astimezone(UTC)
    duration = timedelta(minutes=minutes)

    assert clock.add(start, duration) == calendar.add(start, duration)


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(1975, 11, 1), max_value=datetime(2027, 2, 1), timezones=st.just(TZ)
    ),
    microseconds=st.integers(min_value=0, max_value=480 * 90 * 60_000_000),
    hours=st.sampled_from(["07:30-11:30,13:00-17:00", "08:00-12:00", "07:00-17:00"]),
)
def test_the_due_clock_in_microseconds_gives_the_calendar_due_moment(start, microseconds, hours):
    """`DueClock.add_micros`, which the import's pass over a plain file uses, gives the same
    instant as `WorkingCalendar.add`, to the microsecond, on either side of 1976 (from which
    a day in Viet Nam begins at a fixed offset)."""
    calendar = WorkingCalendar(
        hours=OfficeHours.parse(hours),
        extra_days_off=frozenset({date(2026, 3, 3)}),
        extra_working_days=frozenset({date(2026, 3, 7)}),
    )
    clock = _CLOCKS.setdefault(("micros", hours), DueClock(calendar))
    duration = timedelta(microseconds=microseconds)

    due = clock.add_micros(micros(start), microseconds)

    assert EPOCH + timedelta(microseconds=due) == calendar.add(start, duration)


_CLOCKS: dict = {}


def test_moments_keep_their_microseconds_and_offsets(catalog, write, capsys):
    row = {
        **OPEN,
        "received_at": "2026-03-02T07:59:59.999999+07:00",
        "due_at": "2026-03-05 01:00:00.000001-00:30",
    }
    path = write([row])
    assert run_ok(path, capsys) == (1, 1, 0, 0)

    dossier = Dossier.objects.get()
    assert dossier.received_at == at("2026-03-02T07:59:59.999999+07:00")
    assert dossier.due_at == at("2026-03-05T01:00:00.000001-00:30")
    assert run_ok(path, capsys) == (1, 0, 0, 1)


def test_new_dossiers_take_their_ids_from_the_tables_own_numbering(catalog, write, capsys, loading):
    """On PostgreSQL the ids are a block taken from the dossier table's sequence before the
    write (`write.ids_reserve`): in code order when the rows go into the indexes one by one
    (when the indexes are built afterwards the rows are not sorted, and the order is the plan's);
    each event on its own dossier, and a dossier created afterwards by the application
    takes the next number."""
    agency, procedure = catalog
    run_ok(write([{**OPEN, "code": f"K-{n}"} for n in (3, 1, 2)]), capsys)

    ids = list(Dossier.objects.order_by("code").values_list("pk", flat=True))
    assert len(set(ids)) == 3
    if loading == "row by row":
        assert ids == sorted(ids)
    events = DossierEvent.objects.filter(action="import").order_by("dossier__code")
    assert [(e.dossier_id, e.seq) for e in events] == [(pk, 1) for pk in ids]
    later = Dossier.objects.create(
        reference="R-later",
        procedure=procedure,
        agency=agency,
        channel="direct",
        applicant_name="Nguyễn Văn B",
        created_at=at("2026-03-10T08:00:00+07:00"),
    )
    assert later.pk > max(ids)


def test_moments_are_ordered_as_instants_whatever_their_offsets(catalog, write, capsys):
    """The staging pass compares the parsed moments: the same instant written with another
    offset is not "before" (nor is a return at the very moment of the finish); a microsecond
    earlier is, whichever offsets the text carries."""
    same = {
        **OPEN,
        "code": "K-same",
        "state": "returned",
        "received_at": "2026-03-02T08:00:00+07:00",
        "due_at": "2026-03-02T01:00:00+00:00",
        "finished_at": "2026-03-02 01:00:00Z",
        "returned_at": "2026-03-01T18:00:00-07:00",
        "rating": "satisfied",
        "rated_at": "2026-03-02T01:00:00+00:00",
    }
    assert run_ok(write([same]), capsys) == (1, 1, 0, 0)
    dossier = Dossier.objects.get(code="K-same")
    assert dossier.received_at == dossier.finished_at == dossier.returned_at == dossier.rated_at

    earlier = {**same, "code": "K-earlier", "returned_at": "2026-03-01T17:59:59.999999-07:00"}
    err = run_rejected(write([earlier]), capsys)
    assert err[1:] == [
        "line 2, column returned_at: 2026-03-01T17:59:59.999999-07:00 không được trước "
        "finished_at (2026-03-02T01:00:00+00:00)"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_large_import_refreshes_the_planners_statistics(catalog, write, monkeypatch):
    """Past `ANALYZE_AFTER` new dossiers (lowered here) the import analyses the dossier and
    event tables once it has committed; a smaller one leaves it to autovacuum."""
    from motcua.dossiers import importer

    rows = [{**OPEN, "code": f"A-{n}"} for n in range(5)]
    calls: list[int] = []
    real = importer._analyze
    monkeypatch.setattr(importer, "_analyze", lambda c: (calls.append(1), real(c)))

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 6)
    dossiers_import(actor=None, path=write(rows[:3]))
    assert calls == []

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 2)
    dossiers_import(actor=None, path=write(rows[3:], name="more.csv"))
    assert calls == [1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'dossiers_dossier'")
            assert cursor.fetchone()[0] == 5
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'dossiers_dossier'")
            assert cursor.fetchone()[0] > 0
