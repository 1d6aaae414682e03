"""`motcua payments_reconcile`: ask the gateways about online payments still pending after
their window (run it from cron every few minutes, or `--enqueue` it to the task worker)."""

from django.core.management.base import BaseCommand

from motcua.payments.services import payments_reconcile
from motcua.payments.tasks import payments_reconcile_sweep


class Command(BaseCommand):
    help = "Đối soát các giao dịch thanh toán trực tuyến còn chờ quá thời hạn với cổng thanh toán."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Đưa việc đối soát vào hàng đợi của tiến trình nền (db_worker) thay vì chạy ngay.",
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            result = payments_reconcile_sweep.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        counts = payments_reconcile()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "0")
