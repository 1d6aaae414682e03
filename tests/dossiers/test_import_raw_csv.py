"""`import-dossiers` on PostgreSQL, a plain CSV taken as it is (`importer.raw`): the file's
bytes `COPY`'d into the staging table and judged in SQL. Every kind of bad value is reported
with the same line, column and words as the Python way; what SQL cannot prove goes through the
checker; a file PostgreSQL might read otherwise than Python goes the Python way from the start;
what is written equals what the Python way writes."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core.errors import ValidationFailed
from motcua.core.worktime import OfficeHours, WorkingCalendar
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.directory.models import Agency
from motcua.dossiers.audit.chain import GENESIS, event_hash
from motcua.dossiers.importer import COLUMNS, DossierImportRejected, dossiers_import, raw
from motcua.dossiers.importer.stage import reference_for
from motcua.dossiers.models import Dossier, DossierEvent
from tests.dossiers.test_import_dossiers import (
    ALL_STATES,
    BAD_CASES,
    OPEN,
    REFUSED,
    RETURNED,
    at,
    written,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the file's bytes are COPY'd on PostgreSQL only"
)


@pytest.fixture
def catalog(agency, procedure):
    """The conftest agency (default office hours) and procedure `2.000488` ("3 d", online)."""
    return agency, procedure


@pytest.fixture
def write(tmp_path):
    def write(rows: list[dict], name: str = "hoso.csv") -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            out.writeheader()
            out.writerows(rows)
        return path

    return write


HEADER = ",".join(COLUMNS)
# A work table of the import, in the connection's own schema (`stage.WORK`) or temporary.
WORK_TABLE = r'(?:"motcua_import_[0-9]+"\.)?"motcua_import_{}"'
STAGED = WORK_TABLE.format("staging")
RAW_COPY = re.compile(rf"^COPY {STAGED} \([a-z_, ]+\) FROM STDIN \(FORMAT csv")
# The Python way's `COPY` of the rows it prepared, numbered by their lines.
PYTHON_COPY = re.compile(rf"^COPY {STAGED} \(line, [a-z_, ]+\) FROM STDIN$")
EXAMPLE = "(ví dụ 2026-02-13T16:30:00+07:00)"


def imported(path: Path, *, batch_size: int = 5000) -> tuple[list[str], bool]:
    """Import `path`; the problems (empty when it was imported) and whether its bytes were
    `COPY`'d as they are — and kept: a `COPY` that met a line not plain is cancelled, and the
    file staged again the Python way."""
    with CaptureQueriesContext(connection) as captured:
        try:
            dossiers_import(actor=None, path=path, batch_size=batch_size)
        except DossierImportRejected as rejected:
            problems = [str(p) for p in rejected.problems]
        else:
            problems = []
    statements = [q["sql"] for q in captured.captured_queries]
    raw = any(map(RAW_COPY.match, statements)) and not any(map(PYTHON_COPY.match, statements))
    return problems, raw


def write_lines(path: Path, lines: list[str], *, ending: str = "\n") -> Path:
    path.write_bytes((ending.join(lines) + ending).encode())
    return path


def line_of(row: dict) -> str:
    return ",".join(row[c] for c in COLUMNS)


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_every_kind_of_bad_value_is_found_in_sql_with_its_line_and_words(case, catalog, write):
    changes, expected = BAD_CASES[case]
    path = write([RETURNED, {**OPEN, **changes}])
    before = written()

    problems, raw = imported(path)

    assert (problems, raw) == ([expected], True)
    assert written() == before


# Moments SQL does not take as they are. Out of its shapes (24 o'clock, a 60th second, a
# sign for a dash): the checker says why, the file staged once. In its shapes but on a day,
# month or offset no calendar has: PostgreSQL's cast refuses it, and the whole file is read
# again the Python way — the same words either way.
BAD_MOMENTS = {
    "hour 24": ("2026-03-02T24:00:00+07:00", "checker"),
    "second 60": ("2026-03-02T08:00:60+07:00", "checker"),
    "plus sign in the date": ("2026+03-02T08:00:00+07:00", "checker"),
    "30 February": ("2026-02-30T08:00:00+07:00", "python way"),
    "29 February of a common year": ("2026-02-29T08:00:00+07:00", "python way"),
    "29 February of 2100": ("2100-02-29T08:00:00+07:00", "python way"),
    "31 April": ("2026-04-31T08:00:00+07:00", "python way"),
    "month 13": ("2026-13-01T08:00:00+07:00", "python way"),
    "day 00": ("2026-03-00T08:00:00+07:00", "python way"),
    "minute 60": ("2026-03-02T08:60:00+07:00", "python way"),
    "offset of 24 hours": ("2026-03-02T08:00:00+24:00", "python way"),
}
PYTHON_COPY = re.compile(rf"^COPY {STAGED} \(line, code, ")


NO_CALENDAR = [case for case, (_value, way) in BAD_MOMENTS.items() if way == "python way"]


@pytest.mark.parametrize("case", NO_CALENDAR)
def test_a_reception_no_calendar_has_with_its_due_moment_to_compute_is_rejected(
    case, catalog, write
):
    """The due moments left empty are computed in Python from the reception, before the
    typed table's cast: a reception no calendar has is left to that cast, which sends the
    file the Python way (it crashed the import with a `ValueError` before)."""
    value, _way = BAD_MOMENTS[case]
    path = write([RETURNED, {**OPEN, "received_at": value, "due_at": ""}, REFUSED])

    with pytest.raises(DossierImportRejected) as rejected:
        dossiers_import(actor=None, path=path)

    assert [str(p) for p in rejected.value.problems] == [
        f"line 3, column received_at: '{value}' không phải thời điểm ISO 8601 có múi giờ {EXAMPLE}"
    ]
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize("case", BAD_MOMENTS, ids=list(BAD_MOMENTS))
def test_a_moment_sql_cannot_read_is_judged_by_the_checker(case, catalog, write):
    value, way = BAD_MOMENTS[case]
    path = write([RETURNED, {**OPEN, "due_at": value}, REFUSED])
    before = written()

    with (
        CaptureQueriesContext(connection) as captured,
        pytest.raises(DossierImportRejected) as rejected,
    ):
        dossiers_import(actor=None, path=path)

    assert [str(p) for p in rejected.value.problems] == [
        f"line 3, column due_at: '{value}' không phải thời điểm ISO 8601 có múi giờ {EXAMPLE}"
    ]
    copies = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("COPY")]
    staged_raw = [bool(RAW_COPY.match(sql)) for sql in copies if "FROM STDIN" in sql]
    assert staged_raw[0] is True
    assert any(PYTHON_COPY.match(sql) for sql in copies) is (way == "python way")
    assert written() == before


GOOD_MOMENTS = {
    "29 February of a leap year": ("2028-02-29T08:00:00+07:00", "2028-02-29T08:00:00+07:00"),
    "29 February of 2000": ("2000-02-29T08:00:00+07:00", "2000-02-29T08:00:00+07:00"),
    "a space for the T": ("2026-03-02 08:00:00+07:00", "2026-03-02T08:00:00+07:00"),
    "Z for UTC": ("2026-03-02T01:00:00Z", "2026-03-02T08:00:00+07:00"),
    "a short fraction": ("2026-03-02T08:00:00.5+07:00", "2026-03-02T08:00:00.500000+07:00"),
    "a zero fraction": ("2026-03-02T08:00:00.000000+07:00", "2026-03-02T08:00:00+07:00"),
    "no seconds": ("2026-03-02T08:00+07:00", "2026-03-02T08:00:00+07:00"),
    "an offset of 14 hours": ("2026-03-02T15:00:00+14:00", "2026-03-02T08:00:00+07:00"),
    "an offset of 15 hours": ("2026-03-02T16:00:00+15:00", "2026-03-02T08:00:00+07:00"),
    "a negative offset": ("2026-03-01T20:00:00-05:00", "2026-03-02T08:00:00+07:00"),
    "a seven-digit fraction, cut": (
        "2026-03-02T08:00:00.1234567+07:00",
        "2026-03-02T08:00:00.123456+07:00",
    ),
}


@pytest.mark.parametrize("case", GOOD_MOMENTS, ids=list(GOOD_MOMENTS))
def test_a_moment_in_another_good_shape_is_imported_as_the_instant_it_names(case, catalog, write):
    value, instant = GOOD_MOMENTS[case]
    row = {**OPEN, "received_at": "1999-01-04T08:00:00+07:00", "due_at": value}

    problems, raw = imported(write([row]))

    assert (problems, raw) == ([], True)
    dossier = Dossier.objects.get()
    assert dossier.due_at == at(instant)
    assert dossier.due_at.microsecond == at(instant).microsecond


def test_bad_values_across_the_file_are_all_reported_with_their_lines(catalog, tmp_path):
    """A spreadsheet's file (BOM, CRLF), a few bad rows among good ones, a duplicate code."""
    good = [{**OPEN, "code": f"K-{n}"} for n in range(1, 31)]
    rows = [
        good[0],
        {**good[1], "received_at": "02/03/2026 08:00"},  # line 3: a moment
        *good[2:10],
        {**good[10], "agency_code": "000.00.99.H99", "synced": "1"},  # line 12: two
        *good[11:20],
        {**good[20], "state": "returned", "finished_at": "2026-03-04T10:00:00+07:00"},
        *good[21:29],
        {**good[29], "code": "K-5", "rated_at": "2026-03-01T08:00:00+07:00", "rating": "satisfied"},
    ]
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + ("\r\n".join([",".join(COLUMNS), *map(line_of, rows)]) + "\r\n").encode()
    )

    problems, raw = imported(path, batch_size=7)

    assert raw is True
    assert problems == [
        f"line 3, column received_at: '02/03/2026 08:00' không phải thời điểm ISO 8601 có múi "
        f"giờ {EXAMPLE}",
        "line 12, column agency_code: không có cơ quan mã '000.00.99.H99' trong danh mục",
        "line 12, column synced: '1' phải là true hoặc false",
        "line 22, column returned_at: bắt buộc khi trạng thái là returned",
        "line 31, column rated_at: 2026-03-01T08:00:00+07:00 không được trước received_at "
        "(2026-03-02T08:00:00+07:00)",
        "line 31, column code: mã hồ sơ 'K-5' trùng với dòng 6",
    ]
    assert Dossier.objects.count() == 0


def test_what_is_written_equals_what_the_python_way_writes(catalog, tmp_path):
    """The same rows, once plain and once with every field quoted (which PostgreSQL is not
    given as it is): the same dossiers, events (hashes included) and counters."""
    rows = [
        RETURNED,
        REFUSED,
        OPEN,
        {**OPEN, "code": "K-2", "received_at": "2026-03-06T16:59:59.250000+07:00"},
        {**RETURNED, "code": "K-3", "received_at": "2026-02-13T09:30:00+00:00", "due_at": ""},
        {**OPEN, "code": "K-4 ", "channel": " postal", "supplements": "+2"},
    ]

    def state_after(quoting: int, name: str) -> tuple[tuple, bool]:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.DictWriter(handle, fieldnames=list(COLUMNS), quoting=quoting)
            out.writeheader()
            out.writerows(rows)
        problems, raw = imported(path)
        assert problems == []
        dossiers, events, counters, _audits = written()
        skip = {"id", "updated_at", "dossier_id"}
        state = (
            [{k: v for k, v in d.items() if k not in skip} for d in dossiers],
            [{k: v for k, v in e.items() if k not in skip} for e in events],
            counters,
        )
        DossierEvent.objects.all().delete()
        Dossier.objects.all().delete()
        DailyCounter.objects.all().delete()
        MonthlyCounter.objects.all().delete()
        return state, raw

    plain, taken_raw = state_after(csv.QUOTE_MINIMAL, "hoso.csv")
    quoted, taken_quoted = state_after(csv.QUOTE_ALL, "hoso.csv")

    assert (taken_raw, taken_quoted) == (True, False)
    assert plain == quoted
    dossiers, events, _counters = plain
    assert [d["reference"] for d in dossiers] == [reference_for(d["code"]) for d in dossiers]
    assert {d["code"] for d in dossiers} == {r["code"].strip() for r in rows}
    k3 = next(d for d in dossiers if d["code"] == "K-3")
    # Received 16:30 in Viet Nam on Friday 13 Feb: "3 d" runs to Wednesday 25 Feb, 16:30.
    assert k3["due_at"] == WorkingCalendar().add(
        at("2026-02-13T16:30:00+07:00"), timedelta(hours=24)
    )
    for dossier, event in zip(dossiers, events, strict=True):
        assert event["hash"] == event_hash(
            reference=dossier["reference"],
            seq=1,
            at=event["at"],
            actor_id=None,
            action="import",
            from_state="",
            to_state=dossier["state"],
            note="",
            payload={"source": "hoso.csv"},
            prev=GENESIS,
        )


def test_a_quoted_line_break_keeps_the_lines_of_the_rows_after_it(catalog, tmp_path):
    lines = [
        ",".join(COLUMNS),
        line_of(RETURNED).replace(RETURNED["code"], f'"{RETURNED["code"]}"'),
        line_of({**OPEN, "code": "K-1"}).replace("K-1", '"K-\n1"', 1),
        line_of({**OPEN, "code": "K-2", "channel": "fax"}),
    ]

    problems, raw = imported(write_lines(tmp_path / "hoso.csv", lines))

    # Line 3 holds a record over two lines; the next record begins on line 5.
    assert raw is False
    assert problems == [
        "line 5, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal"
    ]


def test_a_line_with_the_end_of_copy_marker_is_reported_not_taken_as_the_end(catalog, tmp_path):
    lines = [",".join(COLUMNS), line_of(RETURNED), "\\.", line_of({**OPEN, "channel": "fax"})]

    problems, raw = imported(write_lines(tmp_path / "hoso.csv", lines))

    assert raw is False
    assert problems == [
        "line 3, column procedure_code: dòng có 1 trường, tiêu đề có 20 cột",
        "line 4, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal",
    ]


def test_a_line_with_too_many_fields_and_a_blank_line_are_read_the_python_way(catalog, tmp_path):
    lines = [",".join(COLUMNS), line_of(RETURNED), "", line_of(OPEN) + ",x", line_of(REFUSED)]

    problems, raw = imported(write_lines(tmp_path / "hoso.csv", lines))

    assert raw is False
    assert problems == ["line 4, column 21: dòng có 21 trường, tiêu đề có 20 cột"]


NOT_PLAIN = {
    "too many fields": lambda line: line + ",x",
    "a quote": lambda line: line.replace("K-9", '"K-9"'),
    "a blank line": lambda line: "",
}


@pytest.mark.parametrize("case", NOT_PLAIN)
def test_a_line_not_plain_after_lines_already_sent_cancels_the_copy(
    case, catalog, tmp_path, monkeypatch
):
    """The lines are proven plain as they are sent (`raw.Dues.feed`): one found not plain
    after many others went to PostgreSQL cancels the `COPY`, whose rows are taken away, and
    the file is read the Python way from the start — here inside the test's transaction,
    which stays usable."""
    monkeypatch.setattr(raw, "BLOCK", 150)
    good = [line_of({**OPEN, "code": f"K-{n}"}) for n in range(1, 9)]
    bad = NOT_PLAIN[case](line_of({**OPEN, "code": "K-9"}))
    last = line_of({**OPEN, "code": "K-10", "channel": "fax"})

    problems, taken_raw = imported(write_lines(tmp_path / "hoso.csv", [HEADER, *good, bad, last]))

    fax = "line 11, column channel: 'fax' không hợp lệ; phải là một trong: online, direct, postal"
    assert taken_raw is False
    assert (
        problems
        == {
            "too many fields": ["line 10, column 21: dòng có 21 trường, tiêu đề có 20 cột", fax],
            # Python's reader takes the quoted code as K-9, and the blank line as no record.
            "a quote": [fax],
            "a blank line": [fax],
        }[case]
    )
    assert Dossier.objects.count() == 0


def test_a_line_that_is_not_utf8_is_read_the_python_way(catalog, tmp_path):
    path = tmp_path / "hoso.csv"
    bad = line_of({**OPEN, "code": "K-X"}).encode().replace(b"K-X", b"K-\xe9")
    path.write_bytes(f"{','.join(COLUMNS)}\n{line_of(RETURNED)}\n".encode() + bad + b"\n")

    problems, raw = imported(path)

    assert (problems, raw) == (["line 3, column -: dòng không phải UTF-8"], False)


def test_a_field_longer_than_the_csv_reader_takes_is_reported_as_python_reports_it(
    catalog, tmp_path
):
    limit = csv.field_size_limit()
    long_code = "K" * (limit + 1)
    lines = [",".join(COLUMNS), line_of(RETURNED), line_of({**OPEN, "code": long_code})]
    bars: list[dict] = []

    class Bar:
        def __init__(self, **options):
            self.options, self.done = options, 0
            bars.append(self.__dict__)

        def update(self, n: int = 1) -> None:
            self.done += n

        def close(self) -> None:
            pass

    path = write_lines(tmp_path / "hoso.csv", lines)
    with pytest.raises(DossierImportRejected) as rejected:
        dossiers_import(actor=None, path=path, progress=Bar)

    assert [str(p) for p in rejected.value.problems] == [
        f"line 3, column -: CSV sai cú pháp: field larger than field limit ({limit})"
    ]
    # The bytes are counted once though the file was read twice.
    assert [(b["options"]["desc"], b["done"]) for b in bars] == [("Kiểm tra", path.stat().st_size)]


def test_a_bad_header_is_reported_on_line_1(catalog, tmp_path):
    columns = [c for c in COLUMNS if c != "synced"] + ["rating"]
    lines = [",".join(columns), ",".join(RETURNED[c] for c in columns)]

    problems, raw = imported(write_lines(tmp_path / "hoso.csv", lines))

    assert raw is False
    assert problems == ["line 1, column rating: cột bị lặp lại", "line 1, column synced: thiếu cột"]


def test_columns_in_another_order_are_read_by_name(catalog, tmp_path):
    columns = list(reversed(COLUMNS))
    lines = [",".join(columns), ",".join(RETURNED[c] for c in columns)]
    lines.append(",".join({**OPEN, "state": "done"}[c] for c in columns))

    problems, raw = imported(write_lines(tmp_path / "hoso.csv", lines))

    assert raw is True
    assert problems == [
        f"line 3, column state: 'done' không hợp lệ; phải là một trong: {ALL_STATES}"
    ]


def test_a_file_of_only_its_header_imports_nothing(catalog, tmp_path):
    path = write_lines(tmp_path / "hoso.csv", [",".join(COLUMNS)])

    report = dossiers_import(actor=None, path=path)

    assert report.counts() == {"rows": 0, "created": 0, "updated": 0, "unchanged": 0}


def test_the_empty_due_moments_come_from_lines_cut_across_the_blocks_sent(
    catalog, other_agency, tmp_path, monkeypatch
):
    """The due moments are computed from the file's lines as its blocks go to PostgreSQL
    (`raw.Dues`): lines cut between blocks, CRLF endings, `due_at` the last column, two
    agencies with other office hours, a row that gives its own due moment."""
    _agency, procedure = catalog
    other_agency.office_hours = "08:00-12:00"
    other_agency.save(update_fields=["office_hours"])
    procedure.agencies.add(other_agency)
    monkeypatch.setattr(raw, "BLOCK", 97)
    columns = [c for c in COLUMNS if c != "due_at"] + ["due_at"]
    morning = {"agency_code": other_agency.code}
    rows = [
        {**OPEN, "code": "K-1"},
        {**OPEN, "code": "K-2", **morning},
        {**OPEN, "code": "K-3", **morning, "due_at": "2026-03-20T10:00:00+07:00"},
        {**OPEN, "code": "K-4", "received_at": "2026-03-06T16:59:59.250000+07:00"},
        {**OPEN, "code": "K-5", **morning, "received_at": "2026-03-03T11:00:00+00:00"},
    ]
    lines = [",".join(columns), *(",".join(row[c] for c in columns) for row in rows)]

    problems, taken_raw = imported(write_lines(tmp_path / "hoso.csv", lines, ending="\r\n"))

    assert (problems, taken_raw) == ([], True)
    assert dict(Dossier.objects.values_list("code", "due_at")) == {
        # Monday 2 March 08:00 + 3 working days (24 working hours).
        "K-1": at("2026-03-05T08:00:00+07:00"),
        # A morning office: 24 hours are six mornings of four, Monday to the next Monday.
        "K-2": at("2026-03-09T12:00:00+07:00"),
        "K-3": at("2026-03-20T10:00:00+07:00"),
        # Friday 16:59:59.25 + 24 working hours.
        "K-4": at("2026-03-11T16:59:59.250000+07:00"),
        # Tuesday 18:00 in Viet Nam, after the morning: six mornings from Wednesday.
        "K-5": at("2026-03-11T12:00:00+07:00"),
    }


def test_a_reception_out_of_shape_with_its_due_moment_left_empty_gets_the_checkers(
    catalog, other_agency, tmp_path
):
    """A reception SQL may not cast as it is (`Z`, a space for the `T`) is found by the pass
    over the file's lines (`raw.Dues`), sent as its line before the check, and the checker
    vouches for the row with the due moment it computes; the rows around it keep theirs,
    computed from the lines."""
    _agency, procedure = catalog
    other_agency.office_hours = "08:00-12:00"
    other_agency.save(update_fields=["office_hours"])
    procedure.agencies.add(other_agency)
    morning = {"agency_code": other_agency.code}
    rows = [
        {**OPEN, "code": "K-1"},
        {**OPEN, "code": "K-6", "received_at": "2026-03-02T01:00:00Z"},
        {**OPEN, "code": "K-7", **morning, "received_at": "2026-03-03 11:00:00+00:00"},
        {**OPEN, "code": "K-8", **morning, "received_at": "2026-03-03T11:00:00+00:00"},
    ]
    path = write_lines(tmp_path / "hoso.csv", [HEADER, *map(line_of, rows)])

    with CaptureQueriesContext(connection) as captured:
        problems, taken_raw = imported(path)

    assert (problems, taken_raw) == ([], True)
    unshaped = [q["sql"] for q in captured.captured_queries if "motcua_import_unshaped" in q["sql"]]
    assert any(re.match(f"COPY {WORK_TABLE.format('unshaped')}", sql) for sql in unshaped)
    assert dict(Dossier.objects.values_list("code", "due_at")) == {
        "K-1": at("2026-03-05T08:00:00+07:00"),
        "K-6": at("2026-03-05T08:00:00+07:00"),
        # Tuesday 18:00 in Viet Nam, after the morning: six mornings from Wednesday.
        "K-7": at("2026-03-11T12:00:00+07:00"),
        "K-8": at("2026-03-11T12:00:00+07:00"),
    }
    assert dict(Dossier.objects.values_list("code", "received_at")) == {
        "K-1": at("2026-03-02T08:00:00+07:00"),
        "K-6": at("2026-03-02T08:00:00+07:00"),
        "K-7": at("2026-03-03T18:00:00+07:00"),
        "K-8": at("2026-03-03T18:00:00+07:00"),
    }


def test_a_file_whose_moments_are_all_in_shape_sends_no_line_numbers(catalog, write):
    with CaptureQueriesContext(connection) as captured:
        problems, taken_raw = imported(write([RETURNED, OPEN, REFUSED]))

    assert (problems, taken_raw) == ([], True)
    sent = [q["sql"] for q in captured.captured_queries if "motcua_import_unshaped" in q["sql"]]
    assert [sql for sql in sent if not sql.startswith("DROP TABLE IF EXISTS")] == []
    assert Dossier.objects.count() == 3


def test_office_hours_no_calendar_can_be_read_refuse_only_an_import_that_needs_them(
    catalog, other_agency, tmp_path
):
    """An agency whose stored office hours cannot be read: a file that leaves one of its
    due moments empty is refused with the calendar's own words, as the Python way refuses
    it; a file that gives that agency's due moments is imported."""
    _agency, procedure = catalog
    procedure.agencies.add(other_agency)
    broken = "sáng thứ hai"
    Agency.objects.filter(pk=other_agency.pk).update(office_hours=broken)
    with pytest.raises(ValidationFailed) as expected:
        OfficeHours.parse(broken)
    given = {**OPEN, "code": "K-1", "agency_code": other_agency.code, "due_at": REFUSED["due_at"]}
    empty = {**given, "code": "K-2", "due_at": ""}

    def lines(rows: list[dict]) -> list[str]:
        return [line_of(OPEN), *map(line_of, rows)]

    with pytest.raises(ValidationFailed) as refused:
        dossiers_import(actor=None, path=write_lines(tmp_path / "a.csv", [HEADER, *lines([empty])]))
    assert refused.value.message == expected.value.message
    assert Dossier.objects.count() == 0

    problems, taken_raw = imported(write_lines(tmp_path / "b.csv", [HEADER, *lines([given])]))
    assert (problems, taken_raw) == ([], True)
    assert set(Dossier.objects.values_list("code", flat=True)) == {OPEN["code"], "K-1"}
