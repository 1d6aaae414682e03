"""The rows of the route matrix: for each state-changing route of the site, how to post to it,
who the right actor is, how each wrong kind of actor is answered, and what the right actor's
request changes.

The rows that act on a dossier are generated from the lifecycle (`TABLE`, `RECORD_RULES`):
each names the (state, action) or the record it carries and the `Who` kind the route serves,
and its actors come from that kind (actors.py). The statuses are the site's exact answers:
302 to the sign-in page for anonymous visitors, 403 where a page says "not for you", 404
where it will not say whether the dossier exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.directory.models import User
from motcua.dossiers.lifecycle.table import PREVIOUS, RECORD_RULES, TABLE, Action, Record, Who
from motcua.dossiers.models import State
from tests.security.actors import DENIED_KINDS, right_actor, wrong_actors
from tests.security.world import (
    ANONYMOUS,
    HOME,
    LAST_STEP,
    OTHER_AGENCY,
    OTHER_CITIZEN,
    OWNER,
    RIGHT,
    WRONG_ROLE,
    World,
)
from tests.security.world_other import WALK_IN_DRAFT

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGN_IN = 302

Actors = dict[str, list[tuple[str, User | None]]]


@dataclass(frozen=True)
class Row:
    route: str  # the resolver's name
    label: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    actors: Callable[[World], Actors]
    refused: dict[str, int]  # the site's answer to each wrong kind
    # Read before and after the right actor's request: it must differ as `done` says.
    effect: Callable[[World], Any]
    done: Callable[[Any, Any], bool]
    passed: int = 302  # the right actor's answer (a redirect after a post that worked)
    carries: tuple[tuple[str, str, str], ...] = field(default=())  # (state, action, who)


def upload(name: str = "ket-qua.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# ---------------------------------------------------------------- rows acting on a dossier


def _dossier_effect(key: str) -> Callable[[World], Any]:
    def effect(world: World) -> tuple[int, str, int, str]:
        dossier = world.dossier(key)
        last = dossier.events.order_by("-seq").values_list("action", flat=True).first()
        return dossier.version, dossier.state, dossier.events.count(), last or ""

    return effect


def _moved(to: str, event: str, *, events: int = 1) -> Callable[[Any, Any], bool]:
    """Version up, `events` more events, the last one `event`, and the state `to` (or the
    state before the pause)."""

    def done(before: tuple, after: tuple) -> bool:
        version, state, count, _last = before
        expected = state if to == "" else to
        return after[0] > version and after[1:] == (expected, count + events, event)

    return done


def _dossier_actors(key: str, who: str, rule_who: frozenset[str]) -> Callable[[World], Actors]:
    def actors(world: World) -> Actors:
        dossier = world.dossier(key)
        out: Actors = {kind: wrong_actors(world, kind, rule_who, dossier) for kind in DENIED_KINDS}
        out[RIGHT] = [(who, right_actor(world, who, dossier))]
        return {kind: users for kind, users in out.items() if users}

    return actors


def _code(world: World, key: str) -> str:
    return world.dossier(key).public_code


def _version(world: World, key: str) -> dict[str, Any]:
    return {"version": world.dossier(key).version}


def dossier_row(
    route: str,
    *,
    key: str,
    action: str,
    who: str,
    url: Callable[[World], str],
    data: Callable[[World], dict[str, Any]],
    refused: dict[str, int],
    event: str | None = None,
    state: str | None = None,
    events: int = 1,
    passed: int = 302,
    label: str = "",
) -> Row:
    """A row carrying `action` (a transition of `TABLE` or a record of `RECORD_RULES`) on the
    world's dossier `key` for the `who` kind the route serves; the rule must name `who`."""
    state = state or key
    if (state, action) in TABLE:
        rule = TABLE[(state, action)]
        assert who in rule.who, (state, action, who)
        to = "" if rule.to == PREVIOUS else rule.to
        if to == "":
            # The state a resume or a supplement's answer goes back to.
            to = {State.SUSPENDED: State.IN_PROGRESS, State.TRANSFERRED: State.IN_PROGRESS}.get(
                state, State.IN_PROGRESS
            )
    else:
        rule_states = RECORD_RULES[action].who.get(who)
        assert rule_states is not None and state in rule_states, (state, action, who)
        to = state
    return Row(
        route=route,
        label=f"{key}/{label or action}",
        url=url,
        data=data,
        actors=_dossier_actors(key, who, frozenset({who})),
        refused=refused,
        effect=_dossier_effect(key),
        done=_moved(to, event or action, events=events),
        passed=passed,
        carries=((state, action, who),),
    )


# The processing page: anonymous to sign-in, a citizen "for staff only" (403), another
# agency's officer "not found" (404), the dossier's agency's other roles "not yours" (403).
PROCESSING = {
    ANONYMOUS: SIGN_IN,
    OTHER_CITIZEN: 403,
    OWNER: 403,
    OTHER_AGENCY: 404,
    WRONG_ROLE: 403,
}
# The counter's pages: anonymous to sign-in, anyone without reception here 403.
COUNTER = {ANONYMOUS: SIGN_IN, OTHER_CITIZEN: 403, OWNER: 403, OTHER_AGENCY: 403, WRONG_ROLE: 403}
# The citizen's own pages: anyone but the applicant is told the dossier is not found.
MINE = {ANONYMOUS: SIGN_IN, OTHER_CITIZEN: 404, OTHER_AGENCY: 404, WRONG_ROLE: 404}
# The apply pages are for citizens: staff are told so (403), other citizens "not found".
APPLY = {ANONYMOUS: SIGN_IN, OTHER_CITIZEN: 404, OTHER_AGENCY: 403, WRONG_ROLE: 403}


def _processing(slug: str, key: str) -> Callable[[World], str]:
    return lambda world: f"/mot-cua/xu-ly/{_code(world, key)}/{slug}/"


def _with(key: str, **fields: Any) -> Callable[[World], dict[str, Any]]:
    return lambda world: {**_version(world, key), **fields}


def _apology(world: World) -> dict[str, Any]:
    due = world.dossier(State.IN_PROGRESS).due_at
    assert due is not None
    later = due.date().replace(year=due.year + 1)
    return {
        **_version(world, State.IN_PROGRESS),
        "new_date": later.strftime("%d/%m/%Y"),
        "new_time": "16:00",
        "reason": "Chờ kết quả xác minh của cơ quan khác.",
    }


def _sign_approve(world: World) -> dict[str, Any]:
    dossier = world.dossier(LAST_STEP)
    result = dossier.documents.filter(kind="result").order_by("-id").first()
    assert result is not None
    return {**_version(world, LAST_STEP), "document": result.pk, "note": ""}


def _working_day_ahead() -> date:
    """A Wednesday at least a week ahead: a working day, whatever today is."""
    day = timezone.localdate() + timedelta(days=7)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def _submit(world: World) -> dict[str, Any]:
    return {
        "hanh_dong": "nop",
        "co_quan": world.agencies[HOME].code,
        "phien_ban": world.dossier(State.DRAFT).version,
        "applicant_full_name": world.owner.full_name,
        "applicant_birth_date": "1990-02-01",
        "applicant_personal_id": world.owner.personal_id,
        "applicant_address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
    }


IP = State.IN_PROGRESS
PROCESSING_ROWS = [
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Action.FORWARD,
        who=Who.STEP,
        url=_processing("chuyen-buoc", IP),
        data=_with(IP, assignee="", note=""),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Action.SEND_BACK,
        who=Who.STEP,
        url=_processing("tra-lai", IP),
        data=_with(IP, reason="Thiếu ý kiến thẩm định."),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=LAST_STEP,
        state=IP,
        action=Action.APPROVE,
        who=Who.STEP,
        url=_processing("phe-duyet", LAST_STEP),
        data=_with(LAST_STEP, note=""),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=LAST_STEP,
        state=IP,
        action=Action.APPROVE,
        label="sign_approve",
        who=Who.STEP,
        url=_processing("ky-so-phe-duyet", LAST_STEP),
        data=_sign_approve,
        refused=PROCESSING,
        events=2,  # result_signed, then approve
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Action.REFUSE,
        who=Who.STEP,
        url=_processing("tu-choi", IP),
        data=_with(IP, reason="Không đủ điều kiện cấp."),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Action.SUSPEND,
        who=Who.STEP,
        url=_processing("tam-dung", IP),
        data=_with(IP, kind="other", reason="Chờ xác minh."),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=State.SUSPENDED,
        action=Action.RESUME,
        who=Who.PROCESSING,
        url=_processing("tiep-tuc", State.SUSPENDED),
        data=_with(State.SUSPENDED, note=""),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Action.TRANSFER,
        who=Who.STEP,
        url=_processing("lien-thong", IP),
        data=_with(IP, agency="000.00.13.H99", note=""),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=State.TRANSFERRED,
        action=Action.TRANSFER_BACK,
        who=Who.TRANSFER_TARGET,
        url=_processing("nhan-lai", State.TRANSFERRED),
        data=_with(State.TRANSFERRED, note=""),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Record.ASK_SUPPLEMENT,
        who=Who.STEP,
        url=_processing("de-nghi-bo-sung", IP),
        data=_with(IP, note="Thiếu giấy khai sinh."),
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Record.APOLOGY,
        who=Who.AGENCY_STAFF,
        url=_processing("xin-loi", IP),
        data=_apology,
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Record.RESULT_DRAFTED,
        who=Who.STEP,
        label="attach_result",
        url=_processing("ket-qua", IP),
        data=lambda world: {**_version(world, IP), "file": upload()},
        refused=PROCESSING,
    ),
    dossier_row(
        "office:processing_action",
        key=IP,
        action=Record.RESULT_DRAFTED,
        who=Who.STEP,
        label="generate_result",
        url=_processing("tao-ket-qua", IP),
        data=_with(IP, text="Cấp Phiếu lý lịch tư pháp số 1 cho ông Nguyễn Văn A."),
        refused=PROCESSING,
    ),
]


def _check(key: str) -> Callable[[World], str]:
    return lambda world: f"/mot-cua/ho-so/{_code(world, key)}/kiem-tra/"


S, R = State.SUBMITTED, State.RECEIVED
COUNTER_ROWS = [
    dossier_row(
        "office:counter_check",
        key=S,
        action=Action.RECEIVE,
        who=Who.RECEPTION,
        url=_check(S),
        data=_with(S, hanh_dong="receive", checklist="on", note_text=""),
        refused=COUNTER,
    ),
    # A walk-in is entered as the agency's draft (`office:counter_walkin`), then received here.
    dossier_row(
        "office:counter_check",
        key=WALK_IN_DRAFT,
        state=State.DRAFT,
        action=Action.RECEIVE,
        who=Who.RECEPTION,
        url=_check(WALK_IN_DRAFT),
        data=_with(WALK_IN_DRAFT, hanh_dong="receive", checklist="on", note_text=""),
        refused=COUNTER,
    ),
    *[
        dossier_row(
            "office:counter_check",
            key=key,
            action=Action.REQUEST_SUPPLEMENT,
            who=Who.RECEPTION,
            url=_check(key),
            data=lambda world, key=key: {
                **_version(world, key),
                "hanh_dong": "request_supplement",
                "other_missing": "Giấy khai sinh",
                "due_on": _working_day_ahead().strftime("%d/%m/%Y"),
            },
            refused=COUNTER,
        )
        for key in (S, R, IP)
    ],
    dossier_row(
        "office:counter_check",
        key=S,
        action=Action.REFUSE,
        who=Who.RECEPTION,
        url=_check(S),
        data=_with(S, hanh_dong="refuse", reason="Không thuộc thẩm quyền."),
        refused=COUNTER,
    ),
    dossier_row(
        "office:counter_check",
        key=R,
        action=Action.FORWARD,
        who=Who.RECEPTION,
        url=_check(R),
        data=_with(R, hanh_dong="forward", note_text=""),
        refused=COUNTER,
    ),
    dossier_row(
        "office:counter_check",
        key=State.SUPPLEMENT_REQUESTED,
        action=Action.PROVIDE_SUPPLEMENT,
        who=Who.RECEPTION,
        url=_check(State.SUPPLEMENT_REQUESTED),
        data=_with(State.SUPPLEMENT_REQUESTED, hanh_dong="provide_supplement", note_text=""),
        refused=COUNTER,
    ),
    dossier_row(
        "office:counter_return",
        key=State.RESULT_READY,
        action=Action.RETURN,
        who=Who.RECEPTION,
        url=lambda world: f"/mot-cua/ho-so/{_code(world, State.RESULT_READY)}/tra-ket-qua/",
        data=_with(State.RESULT_READY, method="in_person", receiver="Nguyễn Văn A", note_text=""),
        refused=COUNTER,
    ),
    dossier_row(
        "office:counter_digitize",
        key=R,
        action=Record.DIGITIZE,
        who=Who.RECEPTION,
        url=lambda world: f"/mot-cua/ho-so/{_code(world, R)}/so-hoa/",
        data=lambda world: {"hanh_dong": "so_hoa"},
        refused=COUNTER,
    ),
    dossier_row(
        "payments:counter",
        key=R,
        action=Record.PAY,
        who=Who.RECEPTION,
        url=lambda world: f"/thanh-toan/quay/{_code(world, R)}/",
        data=lambda world: {"hinh_thuc": "cash", "ghi_chu": ""},
        refused={**COUNTER, OTHER_CITIZEN: 403, OTHER_AGENCY: 403},
    ),
]

_WITHDRAWABLE = sorted(s for (s, a), rule in TABLE.items() if a == Action.WITHDRAW)
PORTAL_ROWS = [
    *[
        dossier_row(
            "portal:mine_withdraw",
            key=key,
            action=Action.WITHDRAW,
            who=Who.OWNER,
            url=lambda world, key=key: f"/ho-so-cua-toi/{_code(world, key)}/rut/",
            data=_with(key, reason="Không còn nhu cầu.", confirm="on"),
            refused=MINE,
        )
        for key in _WITHDRAWABLE
    ],
    *[
        dossier_row(
            "portal:mine_rate",
            key=key,
            action=Record.RATE,
            who=Who.OWNER,
            url=lambda world, key=key: f"/ho-so-cua-toi/{_code(world, key)}/danh-gia/",
            data=lambda world: {"rating": "satisfied"},
            refused=MINE,
        )
        for key in (State.RESULT_READY, State.RETURNED)
    ],
    dossier_row(
        "portal:apply_draft",
        key=State.DRAFT,
        action=Action.SUBMIT,
        who=Who.OWNER,
        url=lambda world: f"/nop-ho-so/{world.dossier(State.DRAFT).reference}/",
        data=_submit,
        refused=APPLY,
        events=2,  # the declaration saved, then the submission
    ),
    dossier_row(
        "portal:supplement",
        key=State.SUPPLEMENT_REQUESTED,
        action=Action.PROVIDE_SUPPLEMENT,
        who=Who.OWNER,
        url=lambda world: f"/nop-bo-sung/{_code(world, State.SUPPLEMENT_REQUESTED)}/",
        data=lambda world: {"tep_bs_0": upload("khai-sinh.pdf"), "tep_bs_1": upload("b.pdf")},
        refused=APPLY,
        events=2,  # the papers attached, then the supplement provided
    ),
]

DOSSIER_ROWS = PROCESSING_ROWS + COUNTER_ROWS + PORTAL_ROWS

# (state, action, who) the lifecycle allows that no page carries, and why.
NO_PAGE = {
    (State.SUPPLEMENT_REQUESTED, Action.CANCEL, Who.RECEPTION): (
        "cancelled when the supplement is overdue, by the demo's and imports' services; "
        "no page offers it (the lifecycle matrix holds its who)"
    ),
    **{
        (s, Action.WITHDRAW, Who.RECEPTION): "no counter page withdraws; the applicant does"
        for s in _WITHDRAWABLE
    },
}
