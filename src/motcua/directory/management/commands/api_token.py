"""`motcua api-token create --name NAME --agency CODE [--agency CODE …]` / `list` / `revoke ID`.

The keys other systems send to the API (`Authorization: Bearer …`, docs/howto/api.md). The
secret is printed once, by `create`; only its hash is kept."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from motcua.core.errors import MotcuaError
from motcua.directory.models import ApiToken
from motcua.directory.tokens import api_token_create, api_token_revoke


def _moment(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M}" if value else "—"


class Command(BaseCommand):
    help = "Tạo, liệt kê, thu hồi khóa API của các hệ thống khác (vai trò system)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="tạo khóa; khóa chỉ được in ra một lần")
        create.add_argument("--name", required=True, help="hệ thống dùng khóa")
        create.add_argument(
            "--agency",
            action="append",
            required=True,
            help="mã cơ quan được đọc số liệu (và các cơ quan trực thuộc); lặp lại được",
        )
        actions.add_parser("list", help="liệt kê các khóa (không in khóa)")
        revoke = actions.add_parser("revoke", help="thu hồi khóa theo số")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MotcuaError as error:
            sys.stderr.write(f"{error.message}\n")
            sys.exit(2)

    def _create(self, options: dict) -> None:
        issued = api_token_create(actor=None, name=options["name"], agency_codes=options["agency"])
        codes = ", ".join(sorted(a.code for a in issued.token.agencies.all()))
        self.stdout.write(
            f"Đã tạo khóa số {issued.token.pk} cho {issued.token.name} (cơ quan: {codes}).\n"
            "Khóa chỉ hiện một lần, hãy lưu lại ngay:\n"
        )
        self.stdout.write(issued.secret)

    def _list(self, options: dict) -> None:
        tokens = ApiToken.objects.prefetch_related("agencies").order_by("id")
        self.stdout.write("số\ttiền tố\thệ thống\tcơ quan\ttạo lúc\tdùng lần cuối\ttrạng thái")
        for token in tokens:
            codes = ",".join(sorted(a.code for a in token.agencies.all()))
            state = f"đã thu hồi {_moment(token.revoked_at)}" if token.revoked_at else "đang dùng"
            self.stdout.write(
                f"{token.pk}\t{token.prefix}\t{token.name}\t{codes}\t"
                f"{_moment(token.created_at)}\t{_moment(token.last_used_at)}\t{state}"
            )

    def _revoke(self, options: dict) -> None:
        token = api_token_revoke(actor=None, token_id=options["id"])
        self.stdout.write(
            f"Khóa số {token.pk} ({token.name}) đã thu hồi lúc {_moment(token.revoked_at)}."
        )
