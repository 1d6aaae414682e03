"""Make a fresh instance ready for a fault test, in one process (each `motcua` command would
start Django again): the schema, the test catalog, the static files gunicorn serves, the
staff of the national network driver, and citizens who sign in with a password.

    python tests/faults/prepare.py CATALOG.json --citizens 6

Run in the instance's environment (tests/faults/instance.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from motcua.directory.models import User  # noqa: E402
from tests.faults.citizens import PASSWORD, citizen_id  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--province", required=True)
    parser.add_argument("--citizens", type=int, default=0)
    args = parser.parse_args()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("import_catalog", str(args.catalog), verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from tests.national.network_driver import setup

    setup(args.province)
    for number in range(1, args.citizens + 1):
        personal_id = citizen_id(args.province, number)
        User.objects.create_user(
            username=personal_id,
            personal_id=personal_id,
            full_name=f"Nguyễn Văn Thử {number}",
            email=f"cong-dan-{number}@example.test",
            password=PASSWORD,
        )


if __name__ == "__main__":
    main()
