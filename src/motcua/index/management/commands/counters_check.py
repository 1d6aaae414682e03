import sys

from django.core.management.base import BaseCommand

from motcua.core.audit import audit_record
from motcua.core.metrics import COUNTERS_CHECK
from motcua.counters.selectors import counters_drift


class Command(BaseCommand):
    help = (
        "So sánh bộ đếm chỉ số với kết quả tính lại từ hồ sơ (không ghi đè), lưu kết quả cho "
        "/metrics; mã thoát 1 khi có sai lệch."
    )

    def handle(self, *args, **options) -> None:
        drift = counters_drift()
        # Recorded as an audit event: /metrics on any machine reads the latest one.
        audit_record(actor=None, action=COUNTERS_CHECK, object_type="index", data=drift)
        if drift["drift_rows"] or drift["monthly_drift_rows"]:
            self.stderr.write(
                f"Sai lệch {drift['drift_rows']}/{drift['rows']} bộ đếm (tổng chênh "
                f"{drift['drift_total']}), {drift['monthly_drift_rows']} bộ đếm theo tháng "
                "khác tổng các ngày; chạy `motcua index-rebuild` để tính lại."
            )
            sys.exit(1)
        self.stdout.write(f"Khớp: {drift['rows']} bộ đếm trùng với kết quả tính lại.")
