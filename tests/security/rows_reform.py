"""The rows of the reform-task pages (`/cai-cach/`): issuing a plan, adding a task, reporting
progress, completing a task, importing a plan from XLSX. Managers only — the leader, approver
or admin of the agency or an agency above it (`reform.access`): anonymous visitors are sent to
sign in, citizens and the agency's other roles meet the 403 page; another agency's managers
meet 403 for the home agency's plans and 404 for its tasks, which they may not read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from motcua.directory.models import Role
from motcua.reform.models import ReformPlan, ReformTask
from motcua.reform.services import plan_create, task_add
from tests.security.rows import SIGN_IN, Actors, Row, upload
from tests.security.world import (
    ANONYMOUS,
    HOME,
    OTHER,
    OTHER_AGENCY,
    OTHER_CITIZEN,
    OWNER,
    RIGHT,
    STAFF_ROLES,
    WRONG_ROLE,
    World,
)

PLAN = "1/KH-UBND"
TASK = "Rà soát, đơn giản hóa thủ tục hộ tịch"
MANAGERS = {Role.LEADER, Role.APPROVER}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _task(world: World) -> ReformTask:
    """The home agency's plan and its one task, made once per test (idempotent)."""
    home = world.agencies[HOME]
    plan = ReformPlan.objects.filter(agency=home, number=PLAN).first()
    if plan is None:
        leader = world.officer(HOME, Role.LEADER)
        plan = plan_create(
            actor=leader, agency=home, number=PLAN, issued_on=date(2026, 1, 5), title="Kế hoạch"
        )
        task_add(actor=leader, plan=plan, title=TASK, lead_agency=home, deadline=date(2026, 6, 30))
    return ReformTask.objects.get(plan=plan, seq=1)


def _actors(*, task: bool) -> Callable[[World], Actors]:
    def actors(world: World) -> Actors:
        if task:
            _task(world)
        return {
            ANONYMOUS: [("anonymous", None)],
            OTHER_CITIZEN: [("other citizen", world.other_citizen)],
            OWNER: [("owner", world.owner)],
            WRONG_ROLE: [
                (f"{role}@home", world.officer(HOME, role))
                for role in STAFF_ROLES
                if role not in MANAGERS
            ],
            OTHER_AGENCY: [
                (f"{role}@other", world.officer(OTHER, role)) for role in sorted(MANAGERS)
            ],
            RIGHT: [("leader@home", world.officer(HOME, Role.LEADER))],
        }

    return actors


def _refused(other_agency: int) -> dict[str, int]:
    return {
        ANONYMOUS: SIGN_IN,
        OTHER_CITIZEN: 403,
        OWNER: 403,
        WRONG_ROLE: 403,
        OTHER_AGENCY: other_agency,
    }


def _plans(world: World) -> list[str]:
    return sorted(
        ReformPlan.objects.filter(agency=world.agencies[HOME]).values_list("number", flat=True)
    )


def _titles(world: World) -> list[str]:
    return list(_task(world).plan.tasks.order_by("seq").values_list("title", flat=True))


def _progress(world: World) -> tuple[int, int, bool]:
    task = _task(world)
    return task.percent, task.progress.count(), task.done_on is not None


def _plan_data(world: World, number: str) -> dict[str, Any]:
    return {
        "co_quan": world.agencies[HOME].code,
        "so_hieu": number,
        "ngay_ban_hanh": "2026-01-02",
        "trich_yeu": "Kế hoạch cải cách hành chính năm 2026",
    }


def _sheet(world: World) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Sản phẩm"]
    )
    sheet.append([1, "Số hóa kết quả", world.agencies[HOME].code, "", "30/06/2026", "Kho dữ liệu"])
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("ke-hoach.xlsx", out.getvalue(), content_type=XLSX)


REFORM_ROWS = [
    Row(
        route="reform:plan_new",
        label="create",
        url=lambda world: "/cai-cach/ke-hoach/moi/",
        data=lambda world: _plan_data(world, "9/QĐ-UBND"),
        actors=_actors(task=False),
        refused=_refused(403),
        effect=_plans,
        done=lambda before, after: after == sorted([*before, "9/QĐ-UBND"]),
    ),
    Row(
        route="reform:task_add",
        label="add",
        url=lambda world: f"/cai-cach/ke-hoach/{_task(world).plan_id}/nhiem-vu/",
        data=lambda world: {
            "ten": "Công khai chỉ số",
            "chu_tri": world.agencies[HOME].code,
            "thoi_han": "2026-09-30",
        },
        actors=_actors(task=True),
        refused=_refused(404),
        effect=_titles,
        done=lambda before, after: after == [*before, "Công khai chỉ số"],
    ),
    Row(
        route="reform:progress",
        label="progress",
        url=lambda world: f"/cai-cach/nhiem-vu/{_task(world).pk}/tien-do/",
        data=lambda world: {"noi_dung": "Đã rà soát", "tien_do": "40", "minh_chung": upload()},
        actors=_actors(task=True),
        refused=_refused(404),
        effect=_progress,
        done=lambda before, after: after == (40, before[1] + 1, False),
    ),
    Row(
        route="reform:complete",
        label="complete",
        url=lambda world: f"/cai-cach/nhiem-vu/{_task(world).pk}/hoan-thanh/",
        data=lambda world: {"noi_dung": "Đã ban hành báo cáo", "minh_chung": upload()},
        actors=_actors(task=True),
        refused=_refused(404),
        effect=_progress,
        done=lambda before, after: after == (100, before[1] + 1, True),
    ),
    Row(
        route="reform:import",
        label="import",
        url=lambda world: "/cai-cach/nhap/",
        data=lambda world: {**_plan_data(world, "10/KH-UBND"), "tep": _sheet(world)},
        actors=_actors(task=False),
        refused=_refused(403),
        effect=_plans,
        done=lambda before, after: after == sorted([*before, "10/KH-UBND"]),
    ),
]
