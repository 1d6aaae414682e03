from __future__ import annotations

from django.core.management.base import CommandError

from motcua.core.backup import BackupRefused, backup_write
from motcua.core.commands import ReadCommand


class Command(ReadCommand):
    help = (
        "Sao lưu cơ sở dữ liệu, các tệp đã tải lên hoặc đã tạo và các khóa vào một tệp (tar, "
        "nén gzip trừ khi tên tệp kết thúc bằng .tar), kèm mục lục sha256; chạy được khi hệ "
        "thống đang phục vụ."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tệp sao lưu sẽ ghi, ví dụ /srv/backup/motcua.tar.gz")

    def handle(self, *args, file: str, **options) -> None:
        try:
            summary = backup_write(file)
        except BackupRefused as error:
            raise CommandError(error.message) from error
        stores = ", ".join(f"{name} {count}" for name, count in summary.stores.items())
        self.stdout.write(
            f"Đã sao lưu vào {summary.path}: cơ sở dữ liệu {summary.vendor} "
            f"({summary.tables} bảng, {summary.rows} dòng), {summary.files} tệp "
            f"({summary.file_bytes / 1048576:.1f} MB; {stores}); "
            f"tệp sao lưu {summary.size / 1048576:.1f} MB."
        )
