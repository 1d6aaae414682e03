"""`motcua import-dossiers FILE.csv|FILE.jsonl` (domain.md §9): dossier history from another
system, all or nothing, idempotent by dossier code.

Two passes over the file. The first checks every row — procedure and agency codes against the
catalog, value sets, ISO 8601 moments with an offset, `true|false`, integers ≥ 0, dates in
order, codes unique in the file — and collects every problem with its line and column; a
single problem rejects the file before anything is written. The second pass reads the file
again and writes it in batches inside one transaction: a new code creates a dossier, a changed
row updates its dossier, an identical row is left alone, so importing the same file twice
changes nothing.

Imported history bypasses the lifecycle table (`dossiers.lifecycle`): a row is the state that
another system reached, not a transition taken here, so no rule or role is checked, no code is
issued and no outbox row is written (whether the national portal holds the dossier is the
row's own `synced`). What the lifecycle keeps true is kept here too:

- every imported dossier gets one immutable `DossierEvent` (`import`, seq 1, at its
  reception); a changed row appends `import_update` with the next seq;
- the service index's daily counters move by each dossier's contributions after the import
  minus before it (`metrics.contributions`), summed over the file and added once, set-based
  (`counters_add`), in the same transaction, so they stay equal to `counters_rebuild()`;
- the derived fields follow §6–§7: `due_at`, when the row leaves it empty, is the procedure's
  time limit on the agency's working calendar from reception; a refused dossier with
  `finished_at` was refused after processing, otherwise at reception; a terminal dossier is
  closed at its return, else its finish, else — refused at reception, withdrawn or cancelled,
  where the row carries no moment of its own — at its reception; a paused dossier
  (supplement requested, suspended, transferred) resumes to `in_progress`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField, Field, Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.core.audit import audit_record
from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import Agency
from motcua.dossiers.models import (
    TERMINAL_STATES,
    Channel,
    Dossier,
    DossierEvent,
    Rating,
    State,
)
from motcua.index.metrics import Key, contributions
from motcua.index.models import DailyCounter

COLUMNS = (
    "code",
    "procedure_code",
    "agency_code",
    "channel",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "state",
    "supplements",
    "digitized",
    "e_result",
    "result_to_store",
    "fee_amount",
    "paid_online",
    "rating",
    "rated_at",
    "reused_data",
    "registry_used",
    "synced",
)
FORMATS = (".csv", ".jsonl")
BATCH_SIZE = 5000

# A dossier with a code has been received (the model's own constraint), so the states before
# reception are not history that can be imported.
STATES = tuple(s for s in State.values if s not in (State.DRAFT, State.SUBMITTED))
CHANNELS = tuple(Channel.values)
RATINGS = tuple(Rating.values)
# §7: "finished" is a result ready, or a refusal after processing.
FINISHED_STATES = (State.RESULT_READY, State.RETURNED, State.REFUSED)
NEED_FINISHED = (State.RESULT_READY, State.RETURNED)
PAUSED_STATES = (State.SUPPLEMENT_REQUESTED, State.SUSPENDED, State.TRANSFERRED)

# The dossier fields an import writes, in the order `_Writer.values` returns them.
FIELDS = (
    "procedure",
    "agency",
    "channel",
    "state",
    "state_before_pause",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "closed_at",
    "refused_stage",
    "supplement_count",
    "fee_amount",
    "paid_online",
    "digitized",
    "e_result",
    "result_to_store",
    "reused_data",
    "registry_used",
    "synced",
    "rating",
    "rated_at",
    "created_at",
    "submitted_at",
)
ATTNAMES = tuple(cast(Field, Dossier._meta.get_field(name)).attname for name in FIELDS)

_CODE_MAX = Dossier._meta.get_field("code").max_length or 96
_SMALL_MAX = 32767  # supplement_count is a PositiveSmallIntegerField
_BIG_MAX = 2**63 - 1  # fee_amount is a BigIntegerField
_INTEGER = re.compile(r"^[+-]?\d+$")
_EXAMPLE_MOMENT = "2026-02-13T16:30:00+07:00"


@dataclass(frozen=True, order=True)
class Problem:
    """One bad value: the file's line (from 1; a CSV's header is line 1), the column and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class DossierImportRejected(ValidationFailed):
    """The file is refused; `problems` lists every bad value, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        rows = len({p.line for p in problems})
        super().__init__(
            _("Tệp hồ sơ có %(n)d lỗi ở %(rows)d dòng; không có dữ liệu nào được ghi.")
            % {"n": len(problems), "rows": rows},
            code="invalid_dossiers",
        )


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


# Called as `progress(desc=..., total=..., unit=...)`; `tqdm.tqdm` fits.
ProgressFactory = Callable[..., Progress]


def dossiers_import(
    *,
    actor: Any,
    path: Path,
    progress: ProgressFactory | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import the file at `path` (CSV with a header row, or JSON Lines), all or nothing.

    Raises `DossierImportRejected` listing every problem, or `ValidationFailed` when the file
    cannot be read at all; in both cases nothing is written.
    """
    started = time.monotonic()
    path = Path(path)
    # A batch's codes are one `IN (...)` list; SQLite takes at most 32,766 parameters.
    batch_size = max(1, min(batch_size, 10_000))
    if path.suffix.lower() not in FORMATS:
        raise ValidationFailed(
            _("tệp phải có đuôi .csv hoặc .jsonl"), code="invalid_dossiers_format"
        )
    try:
        stamp = _stamp(path)
    except FileNotFoundError as error:
        raise ValidationFailed(_("không tìm thấy tệp"), code="not_found") from error
    catalog = _Catalog()

    problems: list[Problem] = []
    rows = _validate(path, catalog, problems, progress)
    if problems:
        raise DossierImportRejected(problems)

    report = ImportReport(rows=rows)
    with _page_cache(connections[Dossier.objects.db]), transaction.atomic():
        writer = _Writer(catalog=catalog, source=path.name, report=report)
        bar = progress(desc=_("Ghi"), total=rows, unit=" " + _("hồ sơ")) if progress else None
        try:
            batch: list[_Row] = []
            for row in _checked_rows(path, catalog, problems):
                batch.append(row)
                if len(batch) >= batch_size:
                    writer.write(batch)
                    if bar is not None:
                        bar.update(len(batch))
                    batch = []
            if batch:
                writer.write(batch)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        if problems or _stamp(path) != stamp:
            # The file changed between the two passes; nothing of this run is kept.
            raise DossierImportRejected(
                problems or [Problem(0, "-", _("tệp đã thay đổi trong khi nhập; hãy nhập lại"))]
            )
        counters_add(writer.delta)
        audit_record(
            actor=actor,
            action="dossiers.import",
            object_type="dossier",
            data={"source": path.name, **report.counts()},
        )
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def _page_cache(connection: BaseDatabaseWrapper, kib: int = 256 * 1024) -> Iterator[None]:
    """On SQLite, a page cache of `kib` for the write pass, then the previous size again.

    A million inserts touch a dozen indexes (one of them keyed by a hash); with SQLite's
    default 2 MiB cache most of them miss, and the write pass runs about a quarter slower.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


# --- the catalog the rows refer to ---------------------------------------------------------


@dataclass(frozen=True)
class _RememberingCalendar(WorkingCalendar):
    """A working calendar that remembers each day's periods: an import asks for the same few
    hundred days hundreds of thousands of times. The rules stay `WorkingCalendar`'s."""

    remembered: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        periods = self.remembered.get(day)
        if periods is None:
            periods = self.remembered[day] = super().periods_on(day)
        return periods


class _Catalog:
    """Procedures and agencies by code, read once; a calendar per office hours, built once."""

    def __init__(self) -> None:
        self.procedures = {
            p.code: p for p in Procedure.objects.only("id", "code", "time_limit", "online")
        }
        self.agencies = {a.code: a for a in Agency.objects.only("id", "code", "office_hours")}
        self.offers_online: dict[int, bool] = {
            p.pk: p.offers_online for p in self.procedures.values()
        }
        self.durations: dict[int, timedelta | None] = {}
        for p in self.procedures.values():
            duration = p.duration
            self.durations[p.pk] = duration.delta if duration is not None else None
        self._calendars: dict[str, WorkingCalendar] = {}

    def due(self, procedure: Procedure, agency: Agency, received_at: datetime) -> datetime | None:
        """§5: the procedure's time limit on the agency's working calendar from reception."""
        duration = self.durations[procedure.pk]
        if duration is None:
            return None
        calendar = self._calendars.get(agency.office_hours)
        if calendar is None:
            base = working_calendar(agency.office_hours)
            calendar = self._calendars[agency.office_hours] = _RememberingCalendar(
                hours=base.hours,
                extra_days_off=base.extra_days_off,
                extra_working_days=base.extra_working_days,
            )
        return calendar.add(received_at, duration)


# --- reading: records with their line numbers ----------------------------------------------


def _lines(
    path: Path, problems: list[Problem], on_bytes: Callable[[int], object] | None
) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is reported and read as best can."""
    pending = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if on_bytes is not None:
                pending += len(raw)
                if pending >= 1 << 20:
                    on_bytes(pending)
                    pending = 0
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(number, "-", _("dòng không phải UTF-8")))
                text = raw.decode("utf-8", "replace")
            yield text
    if on_bytes is not None and pending:
        on_bytes(pending)


def _records(
    path: Path, problems: list[Problem], on_bytes: Callable[[int], object] | None = None
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    lines = _lines(path, problems, on_bytes)
    if path.suffix.lower() == ".csv":
        yield from _csv_records(lines, problems)
    else:
        yield from _jsonl_records(lines, problems)


def _csv_records(lines: Iterator[str], problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(1, "-", _("tệp trống: thiếu dòng tiêu đề")))
            return
        header = [name.strip() for name in header]
        bad_header = False
        for position, name in enumerate(header, start=1):
            if name not in COLUMNS:
                problems.append(
                    Problem(1, name or str(position), _("cột không có trong hợp đồng nhập"))
                )
                bad_header = True
            elif header.index(name) != position - 1:
                problems.append(Problem(1, name, _("cột bị lặp lại")))
                bad_header = True
        for name in COLUMNS:
            if name not in header:
                problems.append(Problem(1, name, _("thiếu cột")))
                bad_header = True
        if bad_header:
            return
        width = len(header)
        previous = reader.line_num
        for values in reader:
            line, previous = previous + 1, reader.line_num
            if not values:
                continue  # a blank line
            if len(values) != width:
                column = header[len(values)] if len(values) < width else str(width + 1)
                problems.append(
                    Problem(
                        line,
                        column,
                        _("dòng có %(got)d trường, tiêu đề có %(want)d cột")
                        % {"got": len(values), "want": width},
                    )
                )
                continue
            yield line, dict(zip(header, values, strict=True))
    except csv.Error as error:
        problems.append(
            Problem(reader.line_num, "-", _("CSV sai cú pháp: %(error)s") % {"error": error})
        )


def _jsonl_records(lines: Iterator[str], problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    known = frozenset(COLUMNS)
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            problems.append(
                Problem(line, str(error.colno), _("JSON sai cú pháp: %(msg)s") % {"msg": error.msg})
            )
            continue
        if not isinstance(record, dict):
            problems.append(Problem(line, "-", _("mỗi dòng phải là một đối tượng JSON")))
            continue
        unknown = [key for key in record if key not in known]
        for key in unknown:
            problems.append(Problem(line, key, _("cột không có trong hợp đồng nhập")))
        if not unknown:
            yield line, record


# --- checking: one record → one typed row, or problems -------------------------------------


@dataclass(slots=True)
class _Row:
    line: int
    code: str
    procedure: Procedure
    agency: Agency
    channel: str
    received_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    state: str
    supplements: int
    digitized: bool
    e_result: bool
    result_to_store: bool
    fee_amount: int
    paid_online: bool
    rating: str
    rated_at: datetime | None
    reused_data: bool
    registry_used: bool
    synced: bool


class _Checker:
    """Turns records into rows. JSON Lines may also give booleans and integers natively and
    `null` for empty; a missing JSON key is an empty value."""

    def __init__(self, catalog: _Catalog, problems: list[Problem]) -> None:
        self.catalog = catalog
        self.problems = problems
        self.line = 0
        self.code = ""  # the last record's code, when it is a usable one
        self.failed: set[str] = set()

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))
        self.failed.add(column)

    def row(self, line: int, record: Mapping[str, Any]) -> _Row | None:
        self.line = line
        self.failed = set()
        get = record.get
        code = self.text("code", get("code"))
        if len(code) > _CODE_MAX:
            self.fail("code", _("dài quá %(n)d ký tự") % {"n": _CODE_MAX})
        elif "\x00" in code:
            self.fail("code", _("chứa ký tự NUL"))
        self.code = "" if "code" in self.failed else code
        procedure_code = self.text("procedure_code", get("procedure_code"))
        procedure = self.catalog.procedures.get(procedure_code)
        if procedure is None and "procedure_code" not in self.failed:
            self.fail(
                "procedure_code",
                _("không có thủ tục mã '%(code)s' trong danh mục") % {"code": procedure_code},
            )
        agency_code = self.text("agency_code", get("agency_code"))
        agency = self.catalog.agencies.get(agency_code)
        if agency is None and "agency_code" not in self.failed:
            self.fail(
                "agency_code",
                _("không có cơ quan mã '%(code)s' trong danh mục") % {"code": agency_code},
            )
        channel = self.choice("channel", get("channel"), CHANNELS)
        state = self.choice("state", get("state"), STATES)
        received_at = self.moment("received_at", get("received_at"), required=True)
        due_at = self.moment("due_at", get("due_at"))
        finished_at = self.moment("finished_at", get("finished_at"))
        returned_at = self.moment("returned_at", get("returned_at"))
        supplements = self.integer("supplements", get("supplements"), _SMALL_MAX)
        digitized = self.boolean("digitized", get("digitized"))
        e_result = self.boolean("e_result", get("e_result"))
        result_to_store = self.boolean("result_to_store", get("result_to_store"))
        fee_amount = self.integer("fee_amount", get("fee_amount"), _BIG_MAX)
        paid_online = self.boolean("paid_online", get("paid_online"))
        rating = self.choice("rating", get("rating"), RATINGS, required=False)
        rated_at = self.moment("rated_at", get("rated_at"))
        reused_data = self.boolean("reused_data", get("reused_data"))
        registry_used = self.boolean("registry_used", get("registry_used"))
        synced = self.boolean("synced", get("synced"))

        self.in_order("due_at", due_at, "received_at", received_at)
        self.in_order("finished_at", finished_at, "received_at", received_at)
        if finished_at is not None:
            self.in_order("returned_at", returned_at, "finished_at", finished_at)
        else:
            self.in_order("returned_at", returned_at, "received_at", received_at)
        self.in_order("rated_at", rated_at, "received_at", received_at)
        self.consistent(state, finished_at, returned_at, rating, rated_at)

        if self.failed:
            return None
        assert procedure is not None and agency is not None and received_at is not None
        return _Row(
            line=line,
            code=code,
            procedure=procedure,
            agency=agency,
            channel=channel,
            received_at=received_at,
            due_at=due_at,
            finished_at=finished_at,
            returned_at=returned_at,
            state=state,
            supplements=supplements,
            digitized=digitized,
            e_result=e_result,
            result_to_store=result_to_store,
            fee_amount=fee_amount,
            paid_online=paid_online,
            rating=rating,
            rated_at=rated_at,
            reused_data=reused_data,
            registry_used=registry_used,
            synced=synced,
        )

    # Each reader returns a usable value; a bad one is reported and its column marked failed.

    def text(self, column: str, value: Any, *, required: bool = True) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(column, _("phải là chuỗi ký tự"))
            return ""
        value = value.strip()
        if required and not value:
            self.fail(column, _("bắt buộc, không được để trống"))
        return value

    def choice(
        self, column: str, value: Any, allowed: tuple[str, ...], *, required: bool = True
    ) -> str:
        text = self.text(column, value, required=required)
        if text and text not in allowed:
            self.fail(
                column,
                _("'%(value)s' không hợp lệ; phải là một trong: %(allowed)s")
                % {"value": text, "allowed": ", ".join(allowed)},
            )
            return ""
        return text

    def moment(self, column: str, value: Any, *, required: bool = False) -> datetime | None:
        if value is None or value == "" or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(column, _("bắt buộc, không được để trống"))
            return None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                if moment.tzinfo is not None and moment.utcoffset() is not None:
                    return moment
                self.fail(
                    column,
                    _("thời điểm '%(value)s' thiếu múi giờ (ví dụ %(example)s)")
                    % {"value": value.strip(), "example": _EXAMPLE_MOMENT},
                )
                return None
        self.fail(
            column,
            _("'%(value)s' không phải thời điểm ISO 8601 có múi giờ (ví dụ %(example)s)")
            % {"value": value, "example": _EXAMPLE_MOMENT},
        )
        return None

    def boolean(self, column: str, value: Any) -> bool:
        if isinstance(value, str):
            value = value.strip()
        if value is True or value == "true":
            return True
        if value is False or value == "false":
            return False
        shown = "" if value is None else value
        self.fail(column, _("'%(value)s' phải là true hoặc false") % {"value": shown})
        return False

    def integer(self, column: str, value: Any, maximum: int) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.match(value.strip()):
            number = int(value)
        if number is None:
            shown = "" if value is None else value
            self.fail(column, _("'%(value)s' phải là số nguyên ≥ 0") % {"value": shown})
            return 0
        if number < 0:
            self.fail(column, _("%(value)d không được âm") % {"value": number})
            return 0
        if number > maximum:
            self.fail(
                column, _("%(value)d lớn quá (tối đa %(max)d)") % {"value": number, "max": maximum}
            )
            return 0
        return number

    def in_order(
        self, column: str, later: datetime | None, other: str, earlier: datetime | None
    ) -> None:
        if later is None or earlier is None or later >= earlier:
            return
        self.fail(
            column,
            _("%(later)s không được trước %(other)s (%(earlier)s)")
            % {"later": later.isoformat(), "other": other, "earlier": earlier.isoformat()},
        )

    def consistent(
        self,
        state: str,
        finished_at: datetime | None,
        returned_at: datetime | None,
        rating: str,
        rated_at: datetime | None,
    ) -> None:
        """The state and its moments must tell the same story (§6, §7)."""
        if state and "state" not in self.failed and "finished_at" not in self.failed:
            if finished_at is None and state in NEED_FINISHED:
                self.fail(
                    "finished_at",
                    _("bắt buộc khi trạng thái là %(state)s") % {"state": state},
                )
            elif finished_at is not None and state not in FINISHED_STATES:
                self.fail(
                    "finished_at",
                    _(
                        "hồ sơ ở trạng thái %(state)s chưa có kết quả; finished_at chỉ có ở "
                        "trạng thái result_ready, returned hoặc refused (từ chối sau xử lý)"
                    )
                    % {"state": state},
                )
        if state and "state" not in self.failed and "returned_at" not in self.failed:
            if returned_at is None and state == State.RETURNED:
                self.fail("returned_at", _("bắt buộc khi trạng thái là returned"))
            elif returned_at is not None and state != State.RETURNED:
                self.fail(
                    "returned_at",
                    _("chỉ có khi trạng thái là returned (đang là %(state)s)") % {"state": state},
                )
        if "rating" not in self.failed and "rated_at" not in self.failed:
            if rating and rated_at is None:
                self.fail("rated_at", _("bắt buộc khi có đánh giá (rating)"))
            elif rated_at is not None and not rating:
                self.fail("rating", _("bắt buộc khi có thời điểm đánh giá (rated_at)"))


def _validate(
    path: Path, catalog: _Catalog, problems: list[Problem], progress: ProgressFactory | None
) -> int:
    """The first pass: check everything, write nothing. Returns the number of rows."""
    bar = (
        progress(desc=_("Kiểm tra"), total=path.stat().st_size, unit="B", unit_scale=True)
        if progress
        else None
    )
    checker = _Checker(catalog, problems)
    seen: dict[str, int] = {}
    rows = 0
    try:
        for line, record in _records(path, problems, bar.update if bar is not None else None):
            if checker.row(line, record) is not None:
                rows += 1
            # Checked for bad rows too, so that every duplicate is reported.
            code = checker.code
            if not code:
                continue
            first = seen.setdefault(code, line)
            if first != line:
                problems.append(
                    Problem(
                        line,
                        "code",
                        _("mã hồ sơ '%(code)s' trùng với dòng %(first)d")
                        % {"code": code, "first": first},
                    )
                )
    finally:
        if bar is not None:
            bar.close()
    return rows


def _checked_rows(path: Path, catalog: _Catalog, problems: list[Problem]) -> Iterator[_Row]:
    checker = _Checker(catalog, problems)
    for line, record in _records(path, problems):
        row = checker.row(line, record)
        if row is not None:
            yield row


# --- writing: one batch at a time, inside the caller's transaction -------------------------
#
# Rows are written with plain parameterised SQL (`executemany`) rather than `bulk_create`:
# at a million rows the ORM's per-object and per-statement work (and SQLite's 999-parameter
# batches) cost more than the database does. The statements are built from the models'
# metadata, so a new dossier field with a default is written with that default.


def reference_for(code: str) -> str:
    """The temporary reference of an imported dossier: stable, so a re-import finds it."""
    return "NK-" + hashlib.blake2b(code.encode(), digest_size=10).hexdigest().upper()


def moment_adapter(connection: BaseDatabaseWrapper) -> Callable[[datetime | None], Any]:
    """A moment as the driver takes it and gives it back from a plain cursor, so that a
    fetched row compares equal to the values that wrote it.

    On SQLite that is a naive datetime in the connection's zone (UTC), which Django's adapter
    writes as the same text as `connection.ops.adapt_datetimefield_value` and its converter
    reads back as a naive datetime; elsewhere the aware moment itself.
    """
    if connection.vendor == "sqlite":
        zone = connection.timezone

        def adapt(value: datetime | None) -> Any:
            return None if value is None else value.astimezone(zone).replace(tzinfo=None)

        return adapt
    return connection.ops.adapt_datetimefield_value


def insert_rows(cursor: Any, head: str, width: int, rows: list, tail: str = "") -> None:
    """Run `{head} VALUES (%s, …){tail}` once per row of `width` parameters, as one
    `executemany`: a prepared statement on SQLite, a pipeline with psycopg. (Multi-row
    `VALUES` was measured too: on PostgreSQL it costs twice the CPU, binding on the client.)"""
    placeholders = ", ".join(["%s"] * width)
    cursor.executemany(f"{head} VALUES ({placeholders}){tail}", rows)


class _Insert:
    """`INSERT` of many rows of a model: the named fields per row, every other concrete field
    at its model default, prepared once."""

    def __init__(
        self, connection: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...], **init
    ) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        prototype = model(**init)
        self.template = [
            f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields
        ]
        self.positions = [fields.index(cast(Field, model._meta.get_field(n))) for n in names]
        quote = connection.ops.quote_name
        self.head = "INSERT INTO {} ({})".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )
        self.width = len(fields)

    def params(self, values: tuple | list) -> list:
        row = self.template.copy()
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        return row


class _Writer:
    def __init__(self, *, catalog: _Catalog, source: str, report: ImportReport) -> None:
        self.catalog = catalog
        self.report = report
        self.delta: Counter[Key] = Counter()
        self.now = timezone.now()
        self.source = source
        self.connection = connection = connections[Dossier.objects.db]
        self.adapt = moment_adapter(connection)
        self.moments = tuple(isinstance(Dossier._meta.get_field(n), DateTimeField) for n in FIELDS)
        quote = connection.ops.quote_name
        self.table = quote(Dossier._meta.db_table)
        self.columns = ", ".join(quote(name) for name in ("code", "id", *_columns(FIELDS)))
        # New dossiers: the database row, and the model instance the counters are read from.
        self.insert = _Insert(
            connection,
            Dossier,
            ("reference", "code", *FIELDS, "updated_at"),
            applicant_name="",
        )
        concrete = Dossier._meta.concrete_fields
        self.attnames = [f.attname for f in concrete]
        self.instance_template = [getattr(Dossier(applicant_name=""), f.attname) for f in concrete]
        self.instance_positions = [
            concrete.index(cast(Field, Dossier._meta.get_field(name))) for name in ("code", *FIELDS)
        ]
        self.update_sql = "UPDATE {} SET {} WHERE {} = %s".format(
            self.table,
            ", ".join(f"{quote(c)} = %s" for c in (*_columns(FIELDS), "version", "updated_at")),
            quote("id"),
        )
        self.insert_event = _Insert(
            connection,
            DossierEvent,
            ("dossier", "seq", "at", "action", "from_state", "to_state", "payload"),
        )
        self.payload_field = DossierEvent._meta.get_field("payload")
        self.import_payload = self.payload_field.get_db_prep_save({"source": source}, connection)

    def values(self, row: _Row) -> tuple:
        """The row as the dossier fields it sets, in `FIELDS` order."""
        state = row.state
        due_at = row.due_at
        if due_at is None:
            due_at = self.catalog.due(row.procedure, row.agency, row.received_at)
        closed_at = None
        if state in TERMINAL_STATES:
            closed_at = row.returned_at or row.finished_at or row.received_at
        refused_stage = ""
        if state == State.REFUSED:
            refused_stage = (
                Dossier.RefusedStage.PROCESSING
                if row.finished_at is not None
                else Dossier.RefusedStage.RECEPTION
            )
        return (
            row.procedure.pk,
            row.agency.pk,
            row.channel,
            state,
            State.IN_PROGRESS if state in PAUSED_STATES else "",
            row.received_at,
            due_at,
            row.finished_at,
            row.returned_at,
            closed_at,
            refused_stage,
            row.supplements,
            row.fee_amount,
            row.paid_online,
            row.digitized,
            row.e_result,
            row.result_to_store,
            row.reused_data,
            row.registry_used,
            row.synced,
            row.rating,
            row.rated_at,
            row.received_at,
            row.received_at if row.channel == Channel.ONLINE else None,
        )

    def stored(self, values: tuple) -> tuple:
        """The values as the database driver takes and returns them."""
        adapt = self.adapt
        return tuple(
            adapt(value) if moment else value
            for value, moment in zip(values, self.moments, strict=True)
        )

    def counted(self, dossier: Dossier) -> Counter[Key]:
        # A procedure created since the catalog was read is looked up by `contributions`.
        offers_online = self.catalog.offers_online.get(dossier.procedure_id)
        return contributions(dossier, offers_online=offers_online)

    def write(self, rows: list[_Row]) -> None:
        codes = [row.code for row in rows]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT {} FROM {} WHERE {} IN ({})".format(
                    self.columns,
                    self.table,
                    self.connection.ops.quote_name("code"),
                    ", ".join(["%s"] * len(codes)),
                ),
                codes,
            )
            existing = {found[0]: found for found in cursor.fetchall()}
        fresh: list[tuple[_Row, tuple, tuple]] = []
        changed: dict[int, tuple] = {}
        for row in rows:
            values = self.values(row)
            stored = self.stored(values)
            found = existing.get(row.code)
            if found is None:
                fresh.append((row, values, stored))
            elif found[2:] != stored:
                changed[found[1]] = values
            else:
                self.report.unchanged += 1
        if fresh:
            self._create(fresh)
        if changed:
            self._update(changed)

    def _create(self, fresh: list[tuple[_Row, tuple, tuple]]) -> None:
        params = []
        now = self.adapt(self.now)
        for row, values, stored in fresh:
            params.append(self.insert.params((reference_for(row.code), row.code, *stored, now)))
            instance = self.instance_template.copy()
            for position, value in zip(self.instance_positions, (row.code, *values), strict=True):
                instance[position] = value
            dossier = Dossier.from_db(self.connection.alias, self.attnames, instance)
            self.delta.update(self.counted(dossier))
        with self.connection.cursor() as cursor:
            insert_rows(cursor, self.insert.head, self.insert.width, params)
            codes = [row.code for row, _values, _stored in fresh]
            cursor.execute(
                "SELECT {}, {} FROM {} WHERE {} IN ({})".format(
                    *(self.connection.ops.quote_name(c) for c in ("code", "id")),
                    self.table,
                    self.connection.ops.quote_name("code"),
                    ", ".join(["%s"] * len(codes)),
                ),
                codes,
            )
            ids = dict(cursor.fetchall())
            insert_rows(
                cursor,
                self.insert_event.head,
                self.insert_event.width,
                [
                    self.insert_event.params(
                        (ids[row.code], 1, stored[5], "import", "", row.state, self.import_payload)
                    )
                    for row, _values, stored in fresh
                ],
            )
        self.report.created += len(fresh)

    def _update(self, changed: dict[int, tuple]) -> None:
        # Read again under a lock: the counters move from what the dossier is, not from what
        # it was when the batch was compared.
        locked = list(Dossier.objects.select_for_update().filter(pk__in=list(changed)))
        last_seq = dict(
            DossierEvent.objects.filter(dossier_id__in=list(changed))
            .order_by()
            .values("dossier_id")
            .annotate(last=Max("seq"))
            .values_list("dossier_id", "last")
        )
        updates, events = [], []
        at = self.adapt(self.now)
        for dossier in locked:
            values = changed[dossier.pk]
            before = tuple(getattr(dossier, name) for name in ATTNAMES)
            if before == values:
                self.report.unchanged += 1
                continue
            fields = [f for f, old, new in zip(FIELDS, before, values, strict=True) if old != new]
            from_state = dossier.state
            self.delta.subtract(self.counted(dossier))
            for name, value in zip(ATTNAMES, values, strict=True):
                setattr(dossier, name, value)
            self.delta.update(self.counted(dossier))
            updates.append([*self.stored(values), dossier.version + 1, at, dossier.pk])
            payload = {"source": self.source, "fields": fields}
            events.append(
                self.insert_event.params(
                    (
                        dossier.pk,
                        (last_seq.get(dossier.pk) or 0) + 1,
                        at,
                        "import_update",
                        from_state,
                        dossier.state,
                        self.payload_field.get_db_prep_save(payload, self.connection),
                    )
                )
            )
        if updates:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.update_sql, updates)
                insert_rows(cursor, self.insert_event.head, self.insert_event.width, events)
        self.report.updated += len(updates)


def _columns(names: tuple[str, ...]) -> list[str]:
    return [cast(Field, Dossier._meta.get_field(name)).column for name in names]


def counters_add(delta: Counter[Key]) -> None:
    """Add `delta` to the daily counters — what `metrics.counters_apply` does, set-based.

    `counters_apply` issues one `UPDATE` per key; a year of imported history touches some
    hundred thousand keys (agency × day × metric), so here every key is an upsert that adds
    (`INSERT … ON CONFLICT DO UPDATE SET value = value + excluded.value`, SQLite ≥ 3.24 and
    PostgreSQL), sent with `executemany`. Must run inside the caller's transaction.
    """
    changes = [(key, value) for key, value in delta.items() if value]
    if not changes:
        return
    connection = connections[DailyCounter.objects.db]
    quote = connection.ops.quote_name
    table = quote(DailyCounter._meta.db_table)
    agency, day, metric, value = (
        quote(cast(Field, DailyCounter._meta.get_field(n)).column)
        for n in ("agency", "day", "metric", "value")
    )
    adapt_day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        insert_rows(
            cursor,
            f"INSERT INTO {table} ({agency}, {day}, {metric}, {value})",
            4,
            [(a, adapt_day(d), m, v) for (a, d, m), v in changes],
            f" ON CONFLICT ({agency}, {day}, {metric}) "
            f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}",
        )
