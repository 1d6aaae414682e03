import time

from django.core.management.base import BaseCommand

from motcua.core.audit import audit_record
from motcua.counters.services import counters_rebuild
from motcua.index.steps import steps_rebuild


class Command(BaseCommand):
    help = (
        "Tính lại toàn bộ bộ đếm chỉ số từ hồ sơ (kết quả phải trùng với số liệu tức thời) "
        "và thời gian của các bước xử lý đã xong."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        rows = counters_rebuild()
        steps = steps_rebuild()
        audit_record(
            actor=None,
            action="index.rebuild",
            object_type="index",
            data={"rows": rows, "steps": steps},
        )
        self.stdout.write(
            f"Đã tính lại {rows} bộ đếm và {steps} bước xử lý đã xong "
            f"trong {time.monotonic() - started:.1f} giây."
        )
