"""Traffic for one province instance of the network test (tests/national/test_network.py).

Run in the province's own environment (its DATABASE_URL, MOTCUA_PROVINCE_CODE, …):

    python tests/national/network_driver.py setup --province 46
    python tests/national/network_driver.py walk --province 46 --count 12 --seed 1

`setup` gives the province's procedure a three-step workflow and the staff to play it (the
agencies and the procedure come from the catalog every instance imported); `walk` plays
`count` new dossiers, each through the real lifecycle to a state drawn from `seed`, so every
transition writes its `national.sync` outbox row as it does in production.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from motcua.catalog.models import Procedure  # noqa: E402
from motcua.directory.models import Agency, Role, StaffRole, User  # noqa: E402
from motcua.dossiers.lifecycle import Action  # noqa: E402
from motcua.dossiers.models import State  # noqa: E402

# States a walk may end in, with the partner agency's code filled in per province.
ENDS = [
    State.SUBMITTED,
    State.RECEIVED,
    State.IN_PROGRESS,
    State.SUPPLEMENT_REQUESTED,
    State.SUSPENDED,
    State.TRANSFERRED,
    State.RESULT_READY,
    State.RETURNED,
    State.RETURNED,
    State.REFUSED,
    State.WITHDRAWN,
]


def codes(province: str) -> dict[str, str]:
    return {
        "root": f"000.00.00.H{province}",
        "department": f"000.00.01.H{province}",
        "partner": f"000.00.13.H{province}",
        "procedure": f"1.{province}0001",
    }


def user(username: str, **fields) -> User:
    found, _ = User.objects.get_or_create(username=username, defaults=fields)
    return found


@transaction.atomic
def setup(province: str) -> None:
    c = codes(province)
    department = Agency.objects.get(code=c["department"])
    procedure = Procedure.objects.get(code=c["procedure"])
    procedure.steps.all().delete()
    for position, (name, role, share) in enumerate(
        [
            ("Thẩm định", Role.SPECIALIST, 50),
            ("Trình ký", Role.SPECIALIST, 20),
            ("Phê duyệt", Role.APPROVER, 30),
        ],
        start=1,
    ):
        procedure.steps.create(position=position, name=name, role=role, share_percent=share)
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER):
        staff = user(f"{role}_{province}", full_name=f"Cán bộ {role} {province}")
        StaffRole.objects.get_or_create(user=staff, agency=department, role=role)


def walk(province: str, count: int, seed: int) -> None:
    from tests.walker import PATHS, PAYLOADS, Walker

    c = codes(province)
    department = Agency.objects.get(code=c["department"])
    walker = Walker(
        citizen=user(
            f"0{province}090{seed:06d}",
            full_name=f"Công dân {province} {seed}",
            personal_id=f"0{province}090{seed:06d}",
        ),
        reception=User.objects.get(username=f"{Role.RECEPTION}_{province}"),
        specialist=User.objects.get(username=f"{Role.SPECIALIST}_{province}"),
        approver=User.objects.get(username=f"{Role.APPROVER}_{province}"),
        procedure=Procedure.objects.get(code=c["procedure"]),
        agency=department,
    )
    PAYLOADS[Action.TRANSFER] = {"agency": c["partner"]}
    draw = random.Random(seed)
    for _ in range(count):
        state = draw.choice(ENDS)
        dossier = walker.create()
        for action in PATHS[state]:
            dossier = walker.act(dossier, action)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["setup", "walk"])
    parser.add_argument("--province", required=True)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.what == "setup":
        setup(args.province)
    else:
        walk(args.province, args.count, args.seed)


if __name__ == "__main__":
    main()
