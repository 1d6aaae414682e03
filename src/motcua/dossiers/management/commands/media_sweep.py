from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from motcua.core.audit import audit_record
from motcua.dossiers.media import media_sweep


class Command(BaseCommand):
    help = (
        "Xóa các tệp trong thư mục hồ sơ (MEDIA_ROOT/dossiers) không còn tài liệu nào tham chiếu "
        "(để lại khi giao dịch bị hủy hoặc khi bản ký số thay bản dự thảo)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=1.0,
            help="Chỉ xóa tệp sửa lần cuối trước thời điểm này (giờ; mặc định 1).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ liệt kê, không xóa tệp nào."
        )

    def handle(self, *args, **options) -> None:
        hours = options["older_than_hours"]
        if hours < 0:
            raise CommandError("--older-than-hours không được âm.")
        sweep = media_sweep(older_than=timedelta(hours=hours), dry_run=options["dry_run"])
        if options["verbosity"] >= 2:
            for name in sweep.names:
                self.stdout.write(name)
        if not sweep.dry_run:
            audit_record(
                actor=None,
                action="media.sweep",
                object_type="media",
                data={"deleted": sweep.count, "bytes": sweep.size, "older_than_hours": hours},
            )
        verb = "Sẽ xóa" if sweep.dry_run else "Đã xóa"
        self.stdout.write(
            f"{verb} {sweep.count} tệp không còn hồ sơ nào tham chiếu "
            f"({sweep.size / 1048576:.1f} MB)."
        )
