"""`motcua prune_records`: delete old sign-in / sign-up attempts and one-time start tokens, and
the lock rows left without attempts (run it daily from cron, docs/howto/operations.md)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.portal.pruning import DEFAULT_AGE, records_prune


class Command(BaseCommand):
    help = (
        "Xóa các lần đăng nhập, đăng ký và phiếu nộp hồ sơ một lần cũ hơn ngưỡng, cùng các khóa "
        "chống dò mật khẩu không còn lần đăng nhập nào."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=float,
            default=DEFAULT_AGE.days,
            help="Chỉ xóa bản ghi tạo trước thời điểm này (ngày; mặc định 30, tối thiểu 1).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ đếm, không xóa bản ghi nào."
        )

    def handle(self, *args, **options) -> None:
        days = options["older_than_days"]
        try:
            pruned = records_prune(older_than=timedelta(days=days), dry_run=options["dry_run"])
        except ValidationFailed as error:
            raise CommandError(error.message, returncode=2) from error
        verb = "Sẽ xóa" if pruned.dry_run else "Đã xóa"
        self.stdout.write(
            f"{verb} {pruned.attempts} lần đăng nhập/đăng ký, {pruned.tokens} phiếu nộp hồ sơ "
            f"một lần và {pruned.keys} khóa chống dò mật khẩu "
            f"(cũ hơn {days:g} ngày, trước {timezone.localtime(pruned.before):%d/%m/%Y %H:%M})."
        )
