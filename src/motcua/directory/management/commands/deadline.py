"""`motcua deadline --start ISO8601 --duration 3d|4h [--agency CODE]` (domain.md §5).

Here rather than in `core` because `--agency` reads the agency's office hours: the working-time
engine itself stays below every domain."""

from __future__ import annotations

import sys
from datetime import datetime

from django.core.management.base import CommandParser

from motcua.core.calendar import working_calendar
from motcua.core.commands import ReadCommand
from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.core.worktime import parse_duration
from motcua.directory.models import Agency


class Command(ReadCommand):
    help = "In hạn giải quyết (ISO 8601) từ thời điểm tiếp nhận và thời hạn làm việc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="thời điểm tiếp nhận, ISO 8601")
        parser.add_argument("--duration", required=True, help="'3d' hoặc '4h'")
        parser.add_argument("--agency", help="mã cơ quan: dùng giờ làm việc của cơ quan đó")

    def handle(self, *args, **options) -> None:
        try:
            due = self._due(options["start"], options["duration"], options.get("agency"))
        except MotcuaError as error:
            sys.stderr.write(f"{error.message}\n")
            sys.exit(2)
        self.stdout.write(due.isoformat())

    def _due(self, start_text: str, duration_text: str, agency_code: str | None) -> datetime:
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError as error:
            raise ValidationFailed(
                f"Thời điểm '{start_text}' không đúng ISO 8601 (ví dụ 2026-02-13T16:30:00+07:00)."
            ) from error
        if start.tzinfo is None:
            raise ValidationFailed(
                f"Thời điểm '{start_text}' thiếu múi giờ (ví dụ 2026-02-13T16:30:00+07:00)."
            )
        duration = parse_duration(duration_text)
        hours = ""
        if agency_code is not None:
            agency = Agency.objects.filter(code=agency_code).first()
            if agency is None:
                raise ValidationFailed(f"Không có cơ quan mã '{agency_code}'.")
            hours = agency.office_hours
        try:
            return working_calendar(hours).add(start, duration.delta)
        except OverflowError as error:
            raise ValidationFailed(
                f"Thời điểm '{start_text}' nằm ngoài phạm vi của lịch làm việc."
            ) from error
