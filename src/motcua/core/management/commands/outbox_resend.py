from django.core.management.base import BaseCommand, CommandError

from motcua.core.outbox import outbox_resend


class Command(BaseCommand):
    help = (
        "Đưa lại vào hàng đợi các thông điệp đã ngừng thử, tạm giữ hoặc lỗi "
        "(một thông điệp, một chủ đề, hoặc mọi thông điệp đã ngừng thử)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--id", type=int, dest="message_id", help="mã thông điệp")
        parser.add_argument("--topic", help="chủ đề, ví dụ national.sync")
        parser.add_argument("--dead", action="store_true", help="chỉ các thông điệp đã ngừng thử")

    def handle(self, *args, message_id=None, topic=None, dead=False, **options) -> None:
        if message_id is None and topic is None and not dead:
            raise CommandError("Chọn --id, --topic hoặc --dead.")
        count = outbox_resend(message_id=message_id, topic=topic, dead=dead)
        self.stdout.write(f"{count}")
