"""The rows of the consultation portal (`/gop-y/`). The drafting agency's pages are for the
managers — the leader, approver or admin of the agency or an agency above it
(`consultation.access`): anonymous visitors are sent to sign in, citizens and the agency's
other roles meet the 403 page; another agency's managers meet 403 where they name the home
agency or its procedure, and 404 for its drafts, comments and plans, which they may not read.

The comment form is public by design (a public consultation): anyone may post, signed in or
with a name and a contact; its row has no wrong actor, and its refusals (no contact, after
the deadline, markup, length, rate) are tests/consultation/test_comments.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.consultation.models import Comment, CostParameters, Draft, SimplificationPlan
from motcua.consultation.services import (
    comment_submit,
    draft_create,
    draft_publish,
    plan_create,
)
from motcua.directory.models import Role
from tests.security.rows import SIGN_IN, Actors, Row
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

MANAGERS = {Role.LEADER, Role.APPROVER}
OPEN, PREPARED, ENDED = "Dự thảo đang lấy ý kiến", "Dự thảo đang soạn", "Dự thảo đã hết hạn"
PLAN = "Phương án đơn giản hóa thử nghiệm"
ANON = {"name": "Trần Thị Mai", "contact": "mai@example.vn"}
PARAMS = {"so_gio": "2", "chi_phi_gio": "40.000", "chi_phi_khac": "0", "so_lan": "1",
          "so_doi_tuong": "1.000"}  # fmt: skip


def _draft(world: World, title: str) -> Draft:
    """The home agency's draft of that title (idempotent): prepared, open with a held and a
    published comment, or past its deadline with every comment answered."""
    found = Draft.objects.filter(agency=world.agencies[HOME], title=title).first()
    if found is not None:
        return found
    leader = world.officer(HOME, Role.LEADER)
    draft = draft_create(
        actor=leader, agency=world.agencies[HOME], title=title, sections=[("Điều 1", "Nội dung")]
    )
    if title == PREPARED:
        return draft
    draft_publish(actor=leader, draft=draft, deadline=timezone.localdate() + timedelta(days=9))
    section = draft.sections.get()
    if title == OPEN:
        comment_submit(actor=None, section=section, text="Ý kiến chờ duyệt", **ANON)
        comment_submit(actor=world.owner, section=section, text="Ý kiến công khai")
    else:
        Draft.objects.filter(pk=draft.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    return draft


def _comment(world: World, state: str) -> Comment:
    return Comment.objects.get(section__draft=_draft(world, OPEN), state=state)


def _plan(world: World) -> SimplificationPlan:
    found = SimplificationPlan.objects.filter(title=PLAN).first()
    if found is None:
        found = plan_create(
            actor=world.officer(HOME, Role.LEADER), agency=world.agencies[HOME], title=PLAN,
            year=2026,
        )  # fmt: skip
    return found


def _actors(setup: Callable[[World], Any] | None = None) -> Callable[[World], Actors]:
    def actors(world: World) -> Actors:
        if setup is not None:
            setup(world)
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


def _drafts(world: World) -> list[tuple[str, str]]:
    return sorted(Draft.objects.filter(agency=world.agencies[HOME]).values_list("title", "status"))


def _states(world: World) -> list[tuple[str, str]]:
    return sorted(
        Comment.objects.filter(section__draft__agency=world.agencies[HOME]).values_list(
            "state", "disposition"
        )
    )


def _comments(world: World) -> int:
    return Comment.objects.count()


def _procedure(world: World) -> Procedure:
    return Procedure.objects.get(pk=world.procedure_id)


def _anyone(world: World) -> Actors:
    _draft(world, OPEN)
    return {RIGHT: [("anonymous", None)]}


CONSULTATION_ROWS = [
    # Public by design: an anonymous sender with a contact; the comment is held.
    Row(
        route="consultation:comment",
        label="anonymous",
        url=lambda world: f"/gop-y/du-thao/{_draft(world, OPEN).pk}/gop-y/",
        data=lambda world: {
            "phan": _draft(world, OPEN).sections.get().pk,
            "noi_dung": "Đề nghị làm rõ Điều 1",
            "ho_ten": "Lê Văn Hùng",
            "lien_he": "0905123456",
        },
        actors=_anyone,
        refused={},
        effect=_comments,
        done=lambda before, after: after == before + 1,
    ),
    Row(
        route="consultation:draft_new",
        label="create",
        url=lambda world: "/gop-y/quan-ly/du-thao/moi/",
        data=lambda world: {
            "co_quan": world.agencies[HOME].code,
            "ten": "Dự thảo mới",
            "phan_1_tieu_de": "Điều 1",
            "phan_1_noi_dung": "Nội dung",
        },
        actors=_actors(),
        refused=_refused(403),
        effect=_drafts,
        done=lambda before, after: after == sorted([*before, ("Dự thảo mới", "draft")]),
    ),
    Row(
        route="consultation:publish",
        label="publish",
        url=lambda world: f"/gop-y/quan-ly/du-thao/{_draft(world, PREPARED).pk}/cong-bo/",
        data=lambda world: {"han": f"{timezone.localdate() + timedelta(days=30):%Y-%m-%d}"},
        actors=_actors(lambda world: _draft(world, PREPARED)),
        refused=_refused(404),
        effect=_drafts,
        done=lambda before, after: (PREPARED, "open") in after and (PREPARED, "draft") in before,
    ),
    Row(
        route="consultation:close",
        label="close",
        url=lambda world: f"/gop-y/quan-ly/du-thao/{_draft(world, ENDED).pk}/dong/",
        data=lambda world: {},
        actors=_actors(lambda world: _draft(world, ENDED)),
        refused=_refused(404),
        effect=_drafts,
        done=lambda before, after: (ENDED, "closed") in after and (ENDED, "open") in before,
    ),
    Row(
        route="consultation:moderate",
        label="approve",
        url=lambda world: (
            f"/gop-y/quan-ly/y-kien/{_comment(world, Comment.State.PENDING).pk}/kiem-duyet/"
        ),
        data=lambda world: {"hanh_dong": "cong_khai"},
        actors=_actors(lambda world: _draft(world, OPEN)),
        refused=_refused(404),
        effect=_states,
        done=lambda before, after: after == [("published", ""), ("published", "")],
    ),
    Row(
        route="consultation:answer",
        label="answer",
        url=lambda world: (
            f"/gop-y/quan-ly/y-kien/{_comment(world, Comment.State.PUBLISHED).pk}/giai-trinh/"
        ),
        data=lambda world: {"tiep_thu": "partly", "giai_trinh": "Tiếp thu một phần"},
        actors=_actors(lambda world: _draft(world, OPEN)),
        refused=_refused(404),
        effect=_states,
        done=lambda before, after: ("published", "partly") in after and before != after,
    ),
    Row(
        route="consultation:cost_edit",
        label="parameters",
        url=lambda world: f"/gop-y/quan-ly/chi-phi/{_procedure(world).code}/",
        data=lambda world: PARAMS,
        actors=_actors(),
        refused=_refused(403),
        effect=lambda world: CostParameters.objects.filter(procedure_id=world.procedure_id).count(),
        done=lambda before, after: (before, after) == (0, 1),
    ),
    Row(
        route="consultation:plan_new",
        label="create",
        url=lambda world: "/gop-y/quan-ly/phuong-an/moi/",
        data=lambda world: {
            "co_quan": world.agencies[HOME].code,
            "ten": "Phương án",
            "nam": "2026",
        },
        actors=_actors(),
        refused=_refused(403),
        effect=lambda world: SimplificationPlan.objects.count(),
        done=lambda before, after: after == before + 1,
    ),
    Row(
        route="consultation:plan_item",
        label="add",
        url=lambda world: f"/gop-y/quan-ly/phuong-an/{_plan(world).pk}/thu-tuc/",
        data=lambda world: {
            "ma_thu_tuc": _procedure(world).code,
            "noi_dung": "Nộp trực tuyến",
            **{f"truoc_{k}": v for k, v in {**PARAMS, "phi": "0"}.items()},
            **{f"sau_{k}": v for k, v in {**PARAMS, "phi": "0", "so_gio": "1"}.items()},
        },
        actors=_actors(_plan),
        refused=_refused(404),
        effect=lambda world: _plan(world).items.count(),
        done=lambda before, after: (before, after) == (0, 1),
    ),
]
