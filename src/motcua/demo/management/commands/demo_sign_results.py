from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import MotcuaError
from motcua.demo.results import demo_sign_results


class Command(BaseCommand):
    help = (
        "Cho dữ liệu mẫu vài kết quả điện tử đã ký số của hai công dân mẫu (chạy sau "
        "esign_demo_pki; chạy lại không tạo thêm)."
    )

    def handle(self, *args, **options) -> None:
        try:
            outcome = demo_sign_results()
        except MotcuaError as error:
            raise CommandError(str(error)) from error
        if outcome.skipped == "demo_not_loaded":
            self.stdout.write("Chưa nạp dữ liệu mẫu; bỏ qua ký số kết quả mẫu.")
        elif outcome.skipped == "already_signed":
            self.stdout.write("Dữ liệu mẫu đã có kết quả ký số; bỏ qua.")
        else:
            self.stdout.write(f"Đã ký số {outcome.created} kết quả mẫu.")
