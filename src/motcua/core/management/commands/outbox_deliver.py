from django.core.management.base import BaseCommand

from motcua.core.outbox import outbox_deliver_pending


class Command(BaseCommand):
    help = "Gửi ngay các thông điệp đang chờ trong hàng đợi gửi đi (outbox)."

    def handle(self, *args, **options) -> None:
        counts = outbox_deliver_pending()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "0")
