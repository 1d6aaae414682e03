"""The `motcua` console script: Django's management commands under one name.

The public contracts (domain.md §5, §7–§9) spell commands with dashes (`import-catalog`);
Python modules cannot, so a dashed name is looked up with underscores.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "motcua"
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
