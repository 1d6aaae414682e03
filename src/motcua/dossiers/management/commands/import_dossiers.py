"""`motcua import-dossiers FILE.csv|FILE.jsonl` (domain.md §9): all or nothing, every bad
value reported as `line N, column C: reason` on stderr with exit 2.

A progress bar (reading the file, then writing) is drawn on stderr when it is a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core.errors import ValidationFailed
from motcua.dossiers.importer import BATCH_SIZE, DossierImportRejected, dossiers_import


def _terminal_progress(**options: Any):
    from tqdm import tqdm

    return tqdm(file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **options)


class Command(BaseCommand):
    help = (
        "Nhập lịch sử hồ sơ từ hệ thống khác (CSV có dòng tiêu đề, hoặc JSON Lines), cập nhật "
        "theo mã hồ sơ; nhập lại cùng tệp không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="số dòng gửi vào cơ sở dữ liệu mỗi lượt khi đọc tệp (1–100.000)",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        progress = _terminal_progress if sys.stderr.isatty() else None
        try:
            report = dossiers_import(
                actor=None,
                path=path,
                progress=progress,
                batch_size=options["batch_size"],
            )
        except DossierImportRejected as error:
            lines = [error.message, *(str(problem) for problem in error.problems)]
            sys.stderr.write("\n".join(lines) + "\n")
            sys.exit(2)
        except ValidationFailed as error:
            sys.stderr.write(f"{path}: {error.message}\n")
            sys.exit(2)
        # Vietnamese digit grouping: 12.345 hồ sơ/giây.
        rate = f"{report.rate:,.0f}".replace(",", ".")
        self.stdout.write(
            f"Đã nhập {report.rows} hồ sơ từ {path.name}: {report.created} mới, "
            f"{report.updated} cập nhật, {report.unchanged} không đổi; "
            f"{report.seconds:.1f} giây ({rate} hồ sơ/giây)."
        )
