"""Shared argument handling for `motcua index` and `motcua kpi` (§7, §8)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from motcua.core.commands import ReadCommand
from motcua.core.errors import MotcuaError
from motcua.index.engine import agency_by_code, period_from, period_in_range


class PeriodCommand(ReadCommand):
    compute: Callable[..., dict[str, Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, help="mã cơ quan")
        parser.add_argument("--from", dest="start", help="ngày đầu kỳ YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="ngày cuối kỳ YYYY-MM-DD (tính cả ngày này)")
        parser.add_argument("--json", action="store_true", help="in một đối tượng JSON")

    def handle(self, *args, **options) -> None:
        try:
            agency = agency_by_code(options["agency"])
            period = period_in_range(
                period_from(options["start"], options["end"], today=timezone.localdate())
            )
            result = type(self).compute(agency=agency, period=period)
        except MotcuaError as error:
            sys.stderr.write(error.message + "\n")
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(self.render(result))

    def render(self, result: dict[str, Any]) -> str:
        return json.dumps(result, ensure_ascii=False, indent=2)
