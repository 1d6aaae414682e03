"""`motcua report --agency CODE --from YYYY-MM-DD --to YYYY-MM-DD [--json]` (§8.1)."""

from __future__ import annotations

import sys
from typing import Any

from django.utils.translation import gettext as _

from motcua.index.management.commands._common import PeriodCommand
from motcua.index.report import report_compute

HEADERS = (
    ("Lĩnh vực", 28),
    ("Tiếp nhận", 9),
    ("Trực tuyến", 10),
    ("TT/BC", 7),
    ("Kỳ trước", 8),
    ("Đã giải quyết", 13),
    ("Trước hạn", 9),
    ("Đúng hạn", 8),
    ("Quá hạn", 7),
    ("Đang giải quyết", 15),
    ("Trong hạn", 9),
    ("Quá hạn", 7),
)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _cells(figures: dict[str, dict[str, int]]) -> list[int]:
    received, settled, pending = figures["received"], figures["settled"], figures["pending"]
    return [
        received["total"],
        received["online"],
        received["direct_postal"],
        received["carried_over"],
        settled["total"],
        settled["early"],
        settled["on_time"],
        settled["late"],
        pending["total"],
        pending["within_time"],
        pending["overdue"],
    ]


def _line(label: str, numbers: list[int]) -> str:
    width = HEADERS[0][1]
    name = label if len(label) <= width else label[: width - 1] + "…"
    return "  ".join(
        [f"{name:<{width}}"]
        + [f"{_number(n):>{w}}" for n, (_h, w) in zip(numbers, HEADERS[1:], strict=True)]
    )


class Command(PeriodCommand):
    help = (
        "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính theo lĩnh vực của một cơ quan "
        "(gộp các cơ quan trực thuộc) trong một kỳ."
    )
    compute = staticmethod(report_compute)

    def handle(self, *args, **options) -> None:
        for option, name in (("start", "--from"), ("end", "--to")):
            if not options.get(option):
                sys.stderr.write(_("Thiếu %(name)s: nhập ngày dạng YYYY-MM-DD.") % {"name": name})
                sys.stderr.write("\n")
                sys.exit(2)
        super().handle(*args, **options)

    def render(self, result: dict[str, Any]) -> str:
        start, end = result["from"], result["to"]
        lines = [
            _("BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"),
            _("Cơ quan: %(agency)s — kỳ báo cáo từ %(start)s đến %(end)s")
            % {
                "agency": result["agency"],
                "start": "/".join(reversed(start.split("-"))),
                "end": "/".join(reversed(end.split("-"))),
            },
            "",
            "  ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(HEADERS)),
        ]
        lines += [_line(row["sector"], _cells(row)) for row in result["rows"]]
        lines.append(_line(_("Tổng cộng"), _cells(result["total"])))
        lines += [
            "",
            _(
                "TT/BC: trực tiếp hoặc qua bưu chính công ích; Kỳ trước: tiếp nhận trước kỳ, "
                "chưa giải quyết xong khi bắt đầu kỳ."
            ),
        ]
        return "\n".join(lines)
