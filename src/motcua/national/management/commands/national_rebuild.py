"""`motcua national-rebuild`: recompute the national counters from the snapshots."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from motcua.core.audit import audit_record
from motcua.national.counters import national_counters_rebuild


class Command(BaseCommand):
    help = "Tính lại bộ đếm chỉ số quốc gia từ các hồ sơ đã đồng bộ."

    def handle(self, *args, **options) -> None:
        rows = national_counters_rebuild()
        audit_record(
            actor=None,
            action="national.counters_rebuilt",
            object_type="national.counters",
            data={"rows": rows},
        )
        self.stdout.write(f"Đã tính lại bộ đếm: {rows} dòng cấp cơ quan.")
