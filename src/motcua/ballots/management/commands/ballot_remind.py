"""`motcua ballot-remind [--hours N]`: tells each member who has not answered an open ballot
due within N hours (default 24), once per ballot — an outbox message `ballot.notify`, a
notification in the portal and an email when the account has one. Run it from cron hourly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.ballots.services import ballot_remind
from motcua.core.errors import MotcuaError


class Command(BaseCommand):
    help = "Nhắc thành viên chưa cho ý kiến về phiếu sắp hết hạn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = ballot_remind(within_hours=options["hours"])
        except MotcuaError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"reminded {count}")
