"""`motcua national-peer add|list|revoke` (domain.md §12.1): the provinces this national
instance accepts batches from. Adding a province that already has an active key rotates it:
the old key is refused from that moment."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from motcua.core.errors import MotcuaError
from motcua.national.models import Peer
from motcua.national.peers import peer_add, peer_revoke


class Command(BaseCommand):
    help = "Quản lý các tỉnh được gửi dữ liệu đồng bộ lên Cổng DVC quốc gia."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Thêm tỉnh (hoặc thay khóa của tỉnh đã có).")
        add.add_argument("--province", required=True, help="Mã 2 chữ số, ví dụ 46")
        add.add_argument("--name", required=True)
        add.add_argument("--public-key", required=True, type=Path, help="Tệp PEM Ed25519")
        actions.add_parser("list", help="Liệt kê các tỉnh và khóa.")
        revoke = actions.add_parser("revoke", help="Thu hồi khóa đang hiệu lực của tỉnh.")
        revoke.add_argument("--province", required=True)

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MotcuaError as error:
            self.stderr.write(f"Lỗi: {error.message}")
            sys.exit(2)

    def _add(self, options: dict) -> None:
        path: Path = options["public_key"]
        try:
            pem = path.read_bytes()
        except OSError:
            self.stderr.write(f"Lỗi: không đọc được tệp khóa công khai '{path}'.")
            sys.exit(2)
        peer = peer_add(
            actor=None, province=options["province"], name=options["name"], public_key_pem=pem
        )
        self.stdout.write(f"Đã thêm khóa cho tỉnh {peer.province} — {peer.name}.")

    def _list(self, options: dict) -> None:
        peers = list(Peer.objects.order_by("province", "-added_at"))
        if not peers:
            self.stdout.write("Chưa có tỉnh nào.")
        for peer in peers:
            added = timezone.localtime(peer.added_at).strftime("%d/%m/%Y %H:%M")
            if peer.revoked_at is None:
                state = "đang hiệu lực"
            else:
                revoked = timezone.localtime(peer.revoked_at).strftime("%d/%m/%Y %H:%M")
                state = f"đã thu hồi {revoked}"
            self.stdout.write(f"{peer.province}\t{peer.name}\tthêm {added}\t{state}")

    def _revoke(self, options: dict) -> None:
        peer = peer_revoke(actor=None, province=options["province"])
        self.stdout.write(f"Đã thu hồi khóa của tỉnh {peer.province} — {peer.name}.")
