"""`motcua reform-kpi --agency CODE --from dd/mm/yyyy --to dd/mm/yyyy [--format json|table]`:
the reform tasks led by the agency and the agencies below it whose deadline falls in the period,
read today — total, done, done on time, overdue, not due, % done — and the ranking of the
agencies by % done. Exit 2 for bad input."""

from __future__ import annotations

import json
import sys
from datetime import date

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.commands import ReadCommand
from motcua.directory.models import Agency
from motcua.reform.selectors import kpi_result


def _day(raw: str | None, name: str) -> date:
    parts = (raw or "").strip().split("/")
    try:
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        _fail(
            _("%(name)s '%(value)s' không hợp lệ: nhập ngày dạng dd/mm/yyyy.")
            % {"name": name, "value": (raw or "")[:32]}
        )
        raise


def _fail(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(2)


def _percent(value: str | None) -> str:
    return "—" if value is None else value.replace(".", ",") + " %"


class Command(ReadCommand):
    help = (
        "Kết quả thực hiện nhiệm vụ cải cách hành chính của một cơ quan (gộp các cơ quan trực "
        "thuộc), cho các nhiệm vụ có thời hạn trong kỳ, và xếp hạng cơ quan theo tỷ lệ hoàn thành."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, help="mã cơ quan")
        parser.add_argument("--from", dest="start", required=True, help="ngày đầu kỳ dd/mm/yyyy")
        parser.add_argument("--to", dest="end", required=True, help="ngày cuối kỳ dd/mm/yyyy")
        parser.add_argument("--format", choices=("json", "table"), default="table")

    def handle(self, *args, **options) -> None:
        agency = Agency.objects.filter(code=options["agency"].strip()).first()
        if agency is None:
            _fail(_("Không có cơ quan mã '%(code)s'.") % {"code": options["agency"][:64]})
        start, end = _day(options["start"], "--from"), _day(options["end"], "--to")
        if end < start:
            _fail(_("Ngày cuối kỳ trước ngày đầu kỳ."))
        assert agency is not None
        result = kpi_result(agency=agency, start=start, end=end, today=timezone.localdate())
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(self.render(result))

    def render(self, result: dict) -> str:
        start = date.fromisoformat(result["from"])
        end = date.fromisoformat(result["to"])
        lines = [
            _("KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"),
            _("Cơ quan: %(agency)s — nhiệm vụ có thời hạn từ %(start)s đến %(end)s")
            % {
                "agency": result["agency_name"],
                "start": f"{start:%d/%m/%Y}",
                "end": f"{end:%d/%m/%Y}",
            },
            "",
            _("Tổng số nhiệm vụ: %(n)d") % {"n": result["total"]},
            _("Đã hoàn thành: %(done)d/%(total)d = %(p)s (đúng hạn %(on_time)d, quá hạn %(late)d)")
            % {
                "done": result["done"],
                "total": result["total"],
                "p": _percent(result["percent_done"]),
                "on_time": result["done_on_time"],
                "late": result["done_late"],
            },
            _("Quá hạn, chưa hoàn thành: %(n)d") % {"n": result["overdue"]},
            _("Chưa đến hạn: %(n)d (sắp đến hạn: %(soon)d)")
            % {"n": result["not_due"], "soon": result["due_soon"]},
            "",
            f"{'Hạng':>4}  {'Mã cơ quan':<16}  {'Cơ quan':<40}  {'Xong/Tổng':>10}  {'Tỷ lệ':>9}",
        ]
        for row in result["ranking"]:
            name = row["name"] if len(row["name"]) <= 40 else row["name"][:39] + "…"
            lines.append(
                f"{row['rank']:>4}  {row['agency']:<16}  {name:<40}  "
                f"{str(row['done']) + '/' + str(row['total']):>10}  "
                f"{_percent(row['percent_done']):>9}"
            )
        return "\n".join(lines)
