"""`motcua audit-root [--export FILE]`: sign a root over the dossiers' event chains (daily,
from cron or a timer), or write every signed root as JSON for the level above
(docs/howto/audit-verify.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.formats import date_format

from motcua.dossiers.audit.roots import audit_root_make, roots_export


class Command(BaseCommand):
    help = (
        "Lập và ký gốc nhật ký hồ sơ (các đầu chuỗi băm thay đổi từ gốc trước); với --export "
        "FILE, ghi mọi gốc đã ký ra tệp JSON để gửi cấp trên lưu giữ."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--export", metavar="FILE", help="Ghi mọi gốc đã ký ra tệp JSON (không lập gốc mới)."
        )

    def handle(self, *args, **options) -> None:
        if options["export"]:
            exported = roots_export()
            Path(options["export"]).write_text(
                json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            self.stdout.write(f"Đã ghi {len(exported['roots'])} gốc vào {options['export']}.")
            return
        root = audit_root_make()
        if root is None:
            self.stdout.write("Không có thao tác mới từ gốc trước: không lập gốc mới.")
            return
        self.stdout.write(
            f"Đã lập gốc ngày {date_format(root.day, 'd/m/Y')}: {root.root} "
            f"({root.heads_count} hồ sơ có thao tác mới)."
        )
