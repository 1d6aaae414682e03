"""A plan's tasks from a spreadsheet (docs/howto/reform-tasks.md holds the columns).

The first sheet of an `.xlsx` file; row 1 the headers, exactly `COLUMNS` in columns A–F
(further columns are not read, so an export of this package imports back); from row 2 one task
per row, blank rows skipped. The file is read twice with openpyxl's `read_only` mode, which
streams rows: the first pass checks every row and keeps only the problems, the second writes
the tasks in batches — memory does not grow with the number of rows, only with the number of
problems reported. A file with any problem is rejected whole: every bad cell is reported by
row and column, and nothing is written.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from motcua.core.audit import audit_record
from motcua.core.errors import ValidationFailed
from motcua.directory.models import Agency, User
from motcua.reform.access import plan_manage_check
from motcua.reform.models import ReformPlan, ReformTask
from motcua.reform.services import plan_input_check, task_input_problems

COLUMNS = (
    ("A", "STT"),
    ("B", "Tên nhiệm vụ"),
    ("C", "Cơ quan chủ trì"),
    ("D", "Cơ quan phối hợp"),
    ("E", "Thời hạn"),
    ("F", "Sản phẩm"),
)
FIELD_COLUMN = {
    "title": "B",
    "lead_agency": "C",
    "partners": "D",
    "deadline": "E",
    "product": "F",
}
MAX_ROWS = 10_000
BATCH = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the letter, "" for the whole file
    message: str

    def __str__(self) -> str:
        if not self.column:
            return self.message
        header = dict(COLUMNS)[self.column]
        return _("Dòng %(row)d, cột %(column)s (%(header)s): %(message)s") % {
            "row": self.row,
            "column": self.column,
            "header": header,
            "message": self.message,
        }


class ImportRejected(ValidationFailed):
    code = "import_rejected"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            _("Tệp có %(n)d lỗi; không nhiệm vụ nào được nhập. Sửa các lỗi dưới đây rồi nhập lại.")
            % {"n": len(problems)},
            fields={
                "rows": [{"row": p.row, "column": p.column, "message": p.message} for p in problems]
            },
        )


@dataclass(frozen=True)
class TaskRow:
    row: int
    title: str
    lead_id: int
    partner_ids: tuple[int, ...]
    deadline: date
    product: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _date(value: Any) -> date | None:
    """A date cell, or text `dd/mm/yyyy`; None when it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    parts = text.split("/")
    if len(parts) == 3 and all(part.isdigit() for part in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return None
    return None


def _codes(value: Any) -> list[str]:
    return [code for code in (c.strip() for c in _text(value).replace(",", ";").split(";")) if code]


def _rows(handle: IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, the first six cells) of the first sheet, from row 1; raises
    `ImportRejected` for a file that is not a readable workbook."""
    handle.seek(0)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise ImportRejected(
            [Problem(0, "", _("Tệp không phải bảng tính Excel (.xlsx) đọc được."))]
        ) from error
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(
            sheet.iter_rows(max_col=len(COLUMNS), values_only=True), start=1
        ):
            yield number, tuple(cells) + (None,) * (len(COLUMNS) - len(cells))
    finally:
        book.close()


def _header_problems(cells: tuple[Any, ...]) -> list[Problem]:
    problems = []
    for (letter, header), value in zip(COLUMNS, cells, strict=True):
        if _text(value).casefold() != header.casefold():
            problems.append(
                Problem(
                    1,
                    letter,
                    _("tiêu đề phải là “%(header)s”, tệp ghi “%(found)s”.")
                    % {"header": header, "found": _text(value)[:60]},
                )
            )
    return problems


def _row_read(
    number: int, cells: tuple[Any, ...], *, agencies: dict[str, int], issued_on: date
) -> tuple[TaskRow | None, list[Problem]]:
    _seq, title, lead, partners, deadline_cell, product = cells
    problems: list[Problem] = []
    lead_code = _text(lead)
    lead_id = agencies.get(lead_code)
    if not lead_code:
        problems.append(Problem(number, "C", _("chưa ghi mã cơ quan chủ trì.")))
    elif lead_id is None:
        problems.append(
            Problem(number, "C", _("không có cơ quan mã “%(code)s”.") % {"code": lead_code[:64]})
        )
    partner_ids = []
    for code in _codes(partners):
        if code not in agencies:
            problems.append(
                Problem(number, "D", _("không có cơ quan mã “%(code)s”.") % {"code": code[:64]})
            )
        else:
            partner_ids.append(agencies[code])
    deadline = _date(deadline_cell)
    if deadline is None:
        shown = _text(deadline_cell)[:32]
        problems.append(
            Problem(
                number,
                "E",
                _("thời hạn “%(value)s” không phải ngày (dd/mm/yyyy).") % {"value": shown}
                if shown
                else _("chưa ghi thời hạn."),
            )
        )
    lead_agency = Agency(pk=lead_id) if lead_id else None
    found = task_input_problems(
        plan_issued_on=issued_on,
        title=_text(title),
        lead_agency=lead_agency,
        partners=[Agency(pk=pk) for pk in partner_ids],
        deadline=deadline,
        product=_text(product),
    )
    # Missing lead and deadline are reported above with the cell's own words.
    found.pop("lead_agency", None)
    if deadline is None:
        found.pop("deadline", None)
    for field, message in found.items():
        problems.append(Problem(number, FIELD_COLUMN[field], message))
    if problems:
        return None, sorted(problems, key=lambda problem: problem.column)
    assert lead_id is not None and deadline is not None
    return TaskRow(
        number,
        _text(title),
        lead_id,
        tuple(dict.fromkeys(partner_ids)),
        deadline,
        _text(product),
    ), []


def _task_rows(
    handle: IO[bytes], *, agencies: dict[str, int], issued_on: date, problems: list[Problem]
) -> Iterator[TaskRow]:
    """The good rows; the problems of the bad ones are added to `problems`."""
    for number, cells in _rows(handle):
        if number == 1:
            header = _header_problems(cells)
            if header:
                problems.extend(header)
                return
            continue
        if all(_text(cell) == "" for cell in cells):
            continue
        if number > MAX_ROWS + 1:
            problems.append(
                Problem(number, "", _("Tệp có quá %(n)d dòng nhiệm vụ.") % {"n": MAX_ROWS})
            )
            return
        task, found = _row_read(number, cells, agencies=agencies, issued_on=issued_on)
        problems.extend(found)
        if task is not None:
            yield task


def plan_import_check(
    handle: IO[bytes], *, issued_on: date, agencies: dict[str, int] | None = None
) -> tuple[int, list[Problem]]:
    """(good rows, problems) of the file, writing nothing."""
    agencies = agencies if agencies is not None else dict(Agency.objects.values_list("code", "id"))
    problems: list[Problem] = []
    good = sum(
        1 for _ in _task_rows(handle, agencies=agencies, issued_on=issued_on, problems=problems)
    )
    if good == 0 and not problems:
        problems.append(Problem(2, "", _("Tệp không có dòng nhiệm vụ nào (từ dòng 2).")))
    return good, problems


def _write(plan: ReformPlan, batch: list[TaskRow], seq: int) -> int:
    tasks = ReformTask.objects.bulk_create(
        [
            ReformTask(
                plan=plan,
                seq=seq + index,
                title=row.title,
                lead_agency_id=row.lead_id,
                deadline=row.deadline,
                product=row.product,
            )
            for index, row in enumerate(batch, start=1)
        ]
    )
    Through = ReformTask.partners.through
    Through.objects.bulk_create(
        [
            Through(reformtask_id=task.pk, agency_id=agency_id)
            for task, row in zip(tasks, batch, strict=True)
            for agency_id in row.partner_ids
        ]
    )
    return seq + len(batch)


def plan_import_xlsx(
    *,
    actor: User,
    agency: Agency,
    number: str,
    issued_on: date | None,
    title: str,
    year: int | None = None,
    upload: IO[bytes],
) -> ReformPlan:
    """The plan and all its tasks, or `ImportRejected` with every problem and nothing written."""
    plan_manage_check(actor, agency)
    checked = plan_input_check(
        agency=agency, number=number, issued_on=issued_on, title=title, year=year
    )
    agencies = dict(Agency.objects.values_list("code", "id"))
    good, problems = plan_import_check(upload, issued_on=checked.issued_on, agencies=agencies)
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        plan = ReformPlan.objects.create(
            agency=agency,
            number=checked.number,
            issued_on=checked.issued_on,
            title=checked.title,
            year=checked.year,
            created_by=actor,
        )
        seq, batch = 0, []
        second: list[Problem] = []
        for row in _task_rows(
            upload, agencies=agencies, issued_on=checked.issued_on, problems=second
        ):
            batch.append(row)
            if len(batch) == BATCH:
                seq, batch = _write(plan, batch, seq), []
        if batch:
            seq = _write(plan, batch, seq)
        if second or seq != good:  # the file changed between the passes
            raise ImportRejected(second or [Problem(0, "", _("Tệp đã thay đổi khi đang nhập."))])
        audit_record(
            actor=actor,
            action="reform.plan_import",
            object_type="reform_plan",
            object_id=plan.pk,
            data={"number": plan.number, "agency": agency.code, "tasks": seq},
        )
    return plan
