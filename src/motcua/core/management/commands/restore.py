from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from motcua.core.backup import BackupRefused, restore_read
from motcua.core.worktime import TZ


class Command(BaseCommand):
    help = (
        "Khôi phục cơ sở dữ liệu và các tệp từ một tệp do `motcua backup` tạo. Kiểm tra toàn bộ "
        "tổng sha256 trước; từ chối khi cơ sở dữ liệu hoặc thư mục tệp đã có dữ liệu, trừ khi "
        "có --force. Hãy dừng máy chủ và tiến trình nền trước khi khôi phục."
    )
    # The checks read the URLconf and nothing of the data; a target without tables is normal.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp sao lưu")
        parser.add_argument(
            "--force",
            action="store_true",
            help="thay thế dữ liệu đang có (cơ sở dữ liệu và thư mục tệp) bằng bản sao lưu",
        )

    def handle(self, *args, file: str, force: bool, **options) -> None:
        try:
            summary = restore_read(file, force=force)
        except BackupRefused as error:
            raise CommandError(error.message) from error
        taken = datetime.fromisoformat(summary.created_at).astimezone(TZ)
        self.stdout.write(
            f"Đã khôi phục bản sao lưu lúc {taken:%d/%m/%Y %H:%M:%S}: {summary.tables} bảng, "
            f"{summary.rows} dòng, {summary.files} tệp; số dòng mọi bảng khớp mục lục."
        )
        if summary.pending_migrations:
            self.stdout.write(
                f"Bản sao lưu cũ hơn mã nguồn ({len(summary.pending_migrations)} bước chuyển đổi "
                "chưa chạy): chạy `motcua migrate` trước khi mở lại hệ thống."
            )
