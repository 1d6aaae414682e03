"""`motcua index --agency CODE [--from YYYY-MM-DD] [--to YYYY-MM-DD] --json` (§7)."""

from __future__ import annotations

from typing import Any

from motcua.index.engine import BAND_LABELS, index_compute
from motcua.index.management.commands._common import PeriodCommand


class Command(PeriodCommand):
    help = "Chỉ số phục vụ người dân, doanh nghiệp của một cơ quan (gộp các cơ quan trực thuộc)."
    compute = staticmethod(index_compute)

    def render(self, result: dict[str, Any]) -> str:
        lines = [
            f"{result['agency']}  {result['from']} → {result['to']}",
            f"Tổng điểm: {result['total']:.2f}/100 — {BAND_LABELS[result['band']]}",
        ]
        for group in result["groups"]:
            lines.append(f"  {group['key']:<14} {group['score']:6.2f}/{group['max']}")
            for item in group["indicators"]:
                mark = "" if item["applicable"] else "  (không phát sinh)"
                lines.append(
                    f"    {item['key']:<20} {item['numerator']:>7}/{item['denominator']:<7} "
                    f"{item['score']:6.2f}/{item['max']}{mark}"
                )
        return "\n".join(lines)
