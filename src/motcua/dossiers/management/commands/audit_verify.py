"""`motcua audit-verify [--dossier CODE]` (domain.md §11): exit 0 when every dossier's event
chain and every signed root is intact, 1 naming each dossier whose history was edited,
deleted or reordered (docs/howto/audit-verify.md)."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError

from motcua.core.commands import ReadCommand
from motcua.dossiers.audit.verify import Damage, audit_verify, dossier_id_find


class Command(ReadCommand):
    help = (
        "Kiểm tra nhật ký hồ sơ chống sửa đổi: tính lại chuỗi băm của từng hồ sơ và các gốc "
        "ngày đã ký; thoát 0 khi nguyên vẹn, 1 khi có hồ sơ bị sửa, xoá hoặc đảo thứ tự."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dossier", metavar="CODE", help="Chỉ kiểm tra một hồ sơ (mã hồ sơ).")

    def handle(self, *args, **options) -> None:
        dossier_id = None
        if options["dossier"]:
            dossier_id = dossier_id_find(options["dossier"])
            if dossier_id is None:
                raise CommandError(f"Không tìm thấy hồ sơ {options['dossier']}.")

        def shown(damage: Damage) -> None:
            self.stdout.write(damage.line())

        outcome = audit_verify(dossier_id=dossier_id, on_damage=shown)
        for problem in outcome.root_problems:
            self.stdout.write(problem)
        for warning in outcome.warnings:
            self.stderr.write(warning)
        counts = (
            f"{outcome.dossiers} hồ sơ, {outcome.events} thao tác, {outcome.roots} gốc ngày đã ký"
        )
        if outcome.intact:
            self.stdout.write(f"Nhật ký hồ sơ nguyên vẹn (intact): {counts}.")
            return
        self.stdout.write(
            f"Nhật ký hồ sơ KHÔNG nguyên vẹn: {outcome.damaged} hồ sơ bị thay đổi, "
            f"{len(outcome.root_problems)} lỗi ở gốc ngày ({counts})."
        )
        sys.exit(1)
