from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandParser

from motcua.demo.services import DEMO_PASSWORD, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (thành phố Huế): danh mục, cán bộ, công dân và hồ sơ 6 tháng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="chỉ nạp khi cơ sở dữ liệu chưa có thủ tục nào"
        )
        parser.add_argument("--dossiers", type=int, default=2500)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options) -> None:
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("Đã có dữ liệu; bỏ qua nạp dữ liệu mẫu.")
                return
            sys.stderr.write("Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào CSDL trống.\n")
            sys.exit(2)
        started = time.monotonic()
        total = options["dossiers"]

        def progress(done: int) -> None:
            self.stdout.write(f"\rHồ sơ mẫu: {done}/{total}", ending="")
            self.stdout.flush()

        demo_load(dossiers=total, seed=options["seed"], progress=progress)
        self.stdout.write(
            f"\nĐã nạp dữ liệu mẫu trong {time.monotonic() - started:.0f} giây. "
            f"Mật khẩu mọi tài khoản mẫu: {DEMO_PASSWORD}"
        )
