from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import MotcuaError
from motcua.sync.keys import sync_keygen


class Command(BaseCommand):
    help = (
        "Tạo khóa ký Ed25519 của tỉnh cho đồng bộ Cổng DVC quốc gia: ghi khóa riêng (quyền 600) "
        "vào MOTCUA_SYNC_KEY_FILE hoặc --out, in khóa công khai (PEM) để gửi quản trị quốc gia."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", help="tệp khóa riêng (mặc định MOTCUA_SYNC_KEY_FILE)")
        parser.add_argument("--force", action="store_true", help="thay khóa đã có")

    def handle(self, *args, out=None, force=False, **options) -> None:
        target = out or settings.MOTCUA_SYNC_KEY_FILE
        if not target:
            raise CommandError("Chưa có MOTCUA_SYNC_KEY_FILE; chỉ định tệp bằng --out.")
        try:
            public = sync_keygen(path=Path(target), force=force)
        except MotcuaError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Đã ghi khóa riêng vào {target} (quyền 600). Khóa công khai:")
        self.stdout.write(public, ending="" if public.endswith("\n") else "\n")
