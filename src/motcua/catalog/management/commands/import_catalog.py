"""`motcua import-catalog FILE.json` (domain.md §9): all or nothing, every problem reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from motcua.catalog.services import CatalogErrors, catalog_import


class Command(BaseCommand):
    help = "Nhập (cập nhật theo mã) cơ quan và thủ tục hành chính từ tệp JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._reject([f"{path}: không tìm thấy tệp"])
        except UnicodeDecodeError:
            self._reject([f"{path}: tệp không phải UTF-8"])
        except json.JSONDecodeError as error:
            self._reject([f"{path}:{error.lineno}:{error.colno}: JSON sai cú pháp: {error.msg}"])
        try:
            report = catalog_import(actor=None, data=data)
        except CatalogErrors as error:
            self._reject([f"{where}: {why}" for where, why in error.problems], error.message)
        self.stdout.write(
            f"Cơ quan: {report.agencies_created} mới, {report.agencies_updated} cập nhật; "
            f"thủ tục: {report.procedures_created} mới, {report.procedures_updated} cập nhật."
        )

    def _reject(self, lines: list[str], headline: str = "") -> None:
        if headline:
            sys.stderr.write(headline + "\n")
        for line in lines:
            sys.stderr.write(line + "\n")
        sys.exit(2)
