"""`motcua docexchange_peer add CODE NAME --public-key-file F` registers (or re-keys) an organ
whose document-management system exchanges letters with ours; `list`; `revoke CODE`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.docexchange.envelope import public_key_load
from motcua.docexchange.models import Peer


class Command(BaseCommand):
    help = "Đăng ký cơ quan trao đổi văn bản điện tử (mã định danh, khóa công khai Ed25519)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add")
        add.add_argument("code")
        add.add_argument("name")
        add.add_argument("--public-key-file", required=True, type=Path)
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("code")

    def handle(self, *args, **options) -> None:
        verb = options["verb"]
        if verb == "add":
            try:
                pem = options["public_key_file"].read_text()
                public_key_load(pem)
            except (OSError, ValueError) as error:
                raise CommandError(f"Khóa công khai không hợp lệ: {error}") from error
            peer, created = Peer.objects.update_or_create(
                code=options["code"],
                defaults={"name": options["name"], "public_key": pem, "active": True},
            )
            self.stdout.write(f"{'Đã thêm' if created else 'Đã cập nhật'} {peer}")
        elif verb == "list":
            for peer in Peer.objects.all():
                state = "active" if peer.active else "revoked"
                self.stdout.write(f"{peer.code}\t{state}\t{peer.name}")
        else:
            if not Peer.objects.filter(code=options["code"]).update(active=False):
                raise CommandError(f"Không có cơ quan {options['code']}.")
            self.stdout.write(f"Đã thu hồi {options['code']}")
