"""The rows of the opinion-ballot pages (`/phieu-y-kien/`): creating a ballot, sending it,
answering it, closing it and recording the decision. Creating, sending, closing and deciding
are for the leader (or admin) of the drafting agency or above (`ballots.access`); answering
is for the ballot's members, with a confirmed authenticator. Anonymous visitors are sent to
sign in; citizens and the agency's reception and specialists meet the 403 page; the home
agency's approver — the ballots' member — meets 403 for the senders' actions; its leader meets
403 for the answer (not a member); another agency's leaders and approvers, who may not read
the home agency's ballots, meet 404 (403 on the create form, for the home agency)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
from django.utils import timezone

from motcua.ballots.models import Ballot
from motcua.ballots.services import ballot_close, ballot_create, ballot_send
from motcua.directory.models import Role, User
from motcua.portal.models import SecondFactor
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

SENDERS = {Role.LEADER}
NUMBERS = {"draft": "1/PLYK-UBND", "open": "2/PLYK-UBND", "closed": "3/PLYK-UBND"}


def _member(world: World) -> User:
    """The home agency's approver, a member of every ballot here, with a confirmed
    authenticator (the session of such an account exists only after the code)."""
    user = world.officer(HOME, Role.APPROVER)
    now = timezone.now()
    SecondFactor.objects.get_or_create(
        user=user,
        defaults={"secret": pyotp.random_base32(), "created_at": now, "confirmed_at": now},
    )
    return user


def _ballot(world: World, state: str) -> Ballot:
    """The home agency's ballot in `state`, made once per test (idempotent)."""
    found = Ballot.objects.filter(number=NUMBERS[state]).first()
    if found is not None:
        return found
    leader = world.officer(HOME, Role.LEADER)
    ballot = ballot_create(
        actor=leader,
        agency=world.agencies[HOME],
        number=NUMBERS[state],
        title="Dự thảo quyết định",
        summary="Nội dung dự thảo.",
        deadline=timezone.now() + timedelta(days=3),
        members=[_member(world)],
        files=[upload("du-thao.pdf")],
    )
    if state != "draft":
        ballot_send(actor=leader, ballot=ballot)
    if state == "closed":
        ballot_close(actor=leader, ballot=ballot)
    return ballot


def _actors(*, state: str | None, right: str) -> Callable[[World], Actors]:
    def actors(world: World) -> Actors:
        member = _member(world)
        if state is not None:
            _ballot(world, state)
        leader = world.officer(HOME, Role.LEADER)
        right_user = member if right == "member" else leader
        if right == "member":
            wrong = [r for r in STAFF_ROLES if r != Role.APPROVER]
        else:
            wrong = [r for r in STAFF_ROLES if r not in SENDERS]
        return {
            ANONYMOUS: [("anonymous", None)],
            OTHER_CITIZEN: [("other citizen", world.other_citizen)],
            OWNER: [("owner", world.owner)],
            WRONG_ROLE: [(f"{role}@home", world.officer(HOME, role)) for role in wrong],
            OTHER_AGENCY: [
                (f"{role}@other", world.officer(OTHER, role))
                for role in (Role.LEADER, Role.APPROVER)
            ],
            RIGHT: [(f"{right}@home", right_user)],
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


def _numbers(world: World) -> list[str]:
    return sorted(Ballot.objects.values_list("number", flat=True))


def _state(key: str) -> Callable[[World], Any]:
    def effect(world: World) -> tuple[str, int, str]:
        ballot = Ballot.objects.get(number=NUMBERS[key])
        return ballot.state, ballot.answers.count(), ballot.decision

    return effect


def _create_data(world: World) -> dict[str, Any]:
    deadline = timezone.localtime(timezone.now() + timedelta(days=2))
    return {
        "co_quan": world.agencies[HOME].code,
        "so_phieu": "9/PLYK-UBND",
        "trich_yeu": "Dự thảo quyết định mới",
        "tom_tat": "Nội dung.",
        "han": f"{deadline:%Y-%m-%dT%H:%M}",
        "thanh_vien": [str(_member(world).pk)],
        "tep": upload("du-thao.pdf"),
    }


BALLOT_ROWS = [
    Row(
        route="ballots:new",
        label="create",
        url=lambda world: "/phieu-y-kien/moi/",
        data=_create_data,
        actors=_actors(state=None, right="leader"),
        refused=_refused(403),
        effect=_numbers,
        done=lambda before, after: after == sorted([*before, "9/PLYK-UBND"]),
    ),
    Row(
        route="ballots:send",
        label="send",
        url=lambda world: f"/phieu-y-kien/{_ballot(world, 'draft').pk}/gui/",
        data=lambda world: {},
        actors=_actors(state="draft", right="leader"),
        refused=_refused(404),
        effect=_state("draft"),
        done=lambda before, after: after == ("open", 0, ""),
    ),
    Row(
        route="ballots:answer",
        label="answer",
        url=lambda world: f"/phieu-y-kien/{_ballot(world, 'open').pk}/tra-loi/",
        data=lambda world: {"y_kien": "agree", "gop_y": "Nhất trí."},
        actors=_actors(state="open", right="member"),
        refused=_refused(404),
        effect=_state("open"),
        done=lambda before, after: after == ("open", 1, ""),
    ),
    Row(
        route="ballots:close",
        label="close",
        url=lambda world: f"/phieu-y-kien/{_ballot(world, 'open').pk}/ket-thuc/",
        data=lambda world: {},
        actors=_actors(state="open", right="leader"),
        refused=_refused(404),
        effect=_state("open"),
        done=lambda before, after: after == ("closed", 0, ""),
    ),
    Row(
        route="ballots:decide",
        label="decide",
        url=lambda world: f"/phieu-y-kien/{_ballot(world, 'closed').pk}/quyet-dinh/",
        data=lambda world: {"quyet_dinh": "returned", "ghi_chu": "Trả lại để hoàn thiện."},
        actors=_actors(state="closed", right="leader"),
        refused=_refused(404),
        effect=_state("closed"),
        done=lambda before, after: after == ("decided", 0, "returned"),
    ),
]
