from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import MotcuaError
from motcua.sync.services import sync_resend


class Command(BaseCommand):
    help = (
        "Gửi lại dữ liệu đồng bộ Cổng DVC quốc gia: một thông điệp (--message, số thứ tự hoặc "
        "UUID), mọi thông điệp chưa gửi được của một hồ sơ (--dossier), hoặc mọi thông điệp "
        "đã ngừng gửi hay bị từ chối (--dead)."
    )

    def add_arguments(self, parser) -> None:
        choice = parser.add_mutually_exclusive_group(required=True)
        choice.add_argument("--message", help="số thứ tự trong hàng đợi hoặc mã UUID")
        choice.add_argument("--dossier", help="mã hồ sơ")
        choice.add_argument("--dead", action="store_true", help="mọi thông điệp đã ngừng gửi")

    def handle(self, *args, message=None, dossier=None, dead=False, **options) -> None:
        try:
            count = sync_resend(actor=None, message=message, dossier=dossier, dead=dead)
        except MotcuaError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{count}")
