"""`motcua report-draft [--date YYYY-MM-DD] [--check]`: the daily job of filing (§8.1).

On the first working day of a month it drafts, for every agency with a leader or with
dossiers, the reports of the periods that ended with the last month (the month; the quarter,
half-year and year when they end too); on any other day it does nothing. Run again, it
refreshes the drafts and leaves what was submitted alone (`index.filing.reports_draft_due`).
`--check` instead tells, for every submitted report, whether its frozen figures are still
what the dossiers give (`filed_report_drift`)."""

from __future__ import annotations

import sys
from datetime import date
from typing import NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError
from motcua.index.filing import filed_report_drift, periods_due, reports_draft_due
from motcua.index.models import FiledReport


class Command(BaseCommand):
    help = (
        "Lập dự thảo báo cáo định kỳ (tháng, quý, 6 tháng, năm) vào ngày làm việc đầu tiên "
        "sau khi kỳ kết thúc; --check: kiểm tra số liệu các báo cáo đã nộp còn khớp dữ liệu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="ngày chạy YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument(
            "--check", action="store_true", help="kiểm tra số liệu các báo cáo đã nộp"
        )

    def handle(self, *args, **options) -> None:
        if options["check"]:
            self._check()
            return
        today = timezone.localdate()
        day = today
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                self._fail(
                    _("Ngày '%(value)s' không hợp lệ: dùng dạng YYYY-MM-DD.")
                    % {"value": options["date"][:32]}
                )
            if day > today:
                self._fail(
                    _("Ngày %(day)s chưa đến: không lập báo cáo cho ngày trong tương lai.")
                    % {"day": f"{day:%d/%m/%Y}"}
                )
        due = periods_due(day)
        if not due:
            self.stdout.write(
                _(
                    "Ngày %(day)s không phải ngày làm việc đầu tiên của tháng: "
                    "không có kỳ nào cần lập."
                )
                % {"day": f"{day:%d/%m/%Y}"}
            )
            return
        try:
            counts = reports_draft_due(day)
        except MotcuaError as error:
            self._fail(error.message)
        periods = ", ".join(
            f"{FiledReport.Kind(kind).label} {p.start:%d/%m/%Y}–{p.end:%d/%m/%Y}" for kind, p in due
        )
        self.stdout.write(
            _(
                "Kỳ: %(periods)s. Dự thảo mới: %(created)d; cập nhật số liệu: %(refreshed)d; "
                "đã nộp, giữ nguyên: %(filed)d."
            )
            % {"periods": periods, **counts}
        )

    def _check(self) -> None:
        drifted = 0
        submitted = FiledReport.objects.filter(status=FiledReport.Status.SUBMITTED)
        for filed in submitted.select_related("agency").order_by("agency__code", "period_start"):
            cells = filed_report_drift(filed)
            if cells:
                drifted += 1
                self.stdout.write(
                    _("%(agency)s %(start)s–%(end)s lần %(version)d: khác ở %(cells)s")
                    % {
                        "agency": filed.agency.code,
                        "start": f"{filed.period_start:%d/%m/%Y}",
                        "end": f"{filed.period_end:%d/%m/%Y}",
                        "version": filed.version,
                        "cells": ", ".join(cells),
                    }
                )
        self.stdout.write(
            _("%(count)d báo cáo đã nộp, %(drifted)d báo cáo có số liệu khác dữ liệu hiện tại.")
            % {"count": submitted.count(), "drifted": drifted}
        )
        if drifted:
            sys.exit(1)

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(message + "\n")
        sys.exit(2)
