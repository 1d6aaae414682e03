"""Reading the file: CSV with a header row, or JSON Lines, as records with their line numbers.

A record is the file's values in `COLUMNS` order, unchecked (a CSV gives text; JSON Lines
may give `null`, booleans, numbers, or leave a key out, read as `None`); an unreadable line,
a bad header or an unknown key is reported as a problem and the reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from motcua.dossiers.importer.report import Problem

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


def records(
    path: Path, problems: list[Problem], on_bytes: Callable[[int], object] | None = None
) -> Iterator[tuple[int, list[Any]]]:
    lines = _lines(path, problems, on_bytes)
    if path.suffix.lower() == ".csv":
        yield from _csv_records(lines, problems)
    else:
        yield from _jsonl_records(lines, problems)


def header_problems(header: list[str]) -> list[Problem]:
    """What is wrong with a CSV's header (its names already stripped), on line 1."""
    problems = []
    for position, name in enumerate(header, start=1):
        if name not in COLUMNS:
            reason = _("cột không có trong hợp đồng nhập")
            problems.append(Problem(1, name or str(position), reason))
        elif header.index(name) != position - 1:
            problems.append(Problem(1, name, _("cột bị lặp lại")))
    for name in COLUMNS:
        if name not in header:
            problems.append(Problem(1, name, _("thiếu cột")))
    return problems


def _csv_records(lines: Iterator[str], problems: list[Problem]) -> Iterator[tuple[int, list]]:
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(1, "-", _("tệp trống: thiếu dòng tiêu đề")))
            return
        header = [name.strip() for name in header]
        found = header_problems(header)
        if found:
            problems.extend(found)
            return
        width = len(header)
        ordered = None if tuple(header) == COLUMNS else itemgetter(*map(header.index, COLUMNS))
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
            yield line, values if ordered is None else list(ordered(values))
    except csv.Error as error:
        problems.append(
            Problem(reader.line_num, "-", _("CSV sai cú pháp: %(error)s") % {"error": error})
        )


def _jsonl_records(lines: Iterator[str], problems: list[Problem]) -> Iterator[tuple[int, list]]:
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
            yield line, [record.get(name) for name in COLUMNS]
