"""A base for `motcua` commands that only read.

Django runs every system check before a command, and the URL checks import the whole URLconf
(every view, the API, the admin): most of a read-only command's start-up time. A command that
serves no request and writes nothing has no use for them; `motcua check` still runs them all.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand


class ReadCommand(BaseCommand):
    requires_system_checks: list[str] = []
