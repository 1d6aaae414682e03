"""`motcua kpi --agency CODE [--from YYYY-MM-DD] [--to YYYY-MM-DD] --json` (§8)."""

from motcua.index.engine import kpi_compute
from motcua.index.management.commands._common import PeriodCommand


class Command(PeriodCommand):
    help = "Số liệu điều hành của một cơ quan (gộp các cơ quan trực thuộc)."
    compute = staticmethod(kpi_compute)
