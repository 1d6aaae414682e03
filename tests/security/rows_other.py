"""The rows for the state-changing pages that do not move a dossier through the lifecycle:
walk-in entry, petitions (sending, answering, rejecting, rating), notifications, online
payment and refunds, applying online, resending to the national portal, signing out.

Each page's wrong kinds are the ones that apply to it: a page where a citizen acts on what is
theirs has anonymous visitors, another citizen and staff; a staff page has anonymous
visitors, citizens, staff of another agency and the agency's other roles. The statuses are
the pages' own (read from their views): 302 to the sign-in page, 403 "not for you", 404 where
a page will not say whether the thing exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.models import Session
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.directory.models import Role
from motcua.dossiers.lifecycle.table import Who
from motcua.dossiers.models import Channel, Dossier, State
from motcua.feedback.models import Petition
from motcua.index.filing import report_draft, report_submit
from motcua.index.models import FiledReport
from motcua.index.views_report import default_period
from motcua.notifications.models import Notification
from motcua.payments.models import Payment, Refund
from motcua.sync.services import TOPIC as SYNC_TOPIC
from tests.security.actors import wrong_actors
from tests.security.rows import SIGN_IN, Actors, Row
from tests.security.rows_ballots import BALLOT_ROWS
from tests.security.rows_consultation import CONSULTATION_ROWS
from tests.security.rows_messaging import MESSAGING_ROWS
from tests.security.rows_reform import REFORM_ROWS
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
from tests.security.world_other import (
    ANSWERED_PETITION,
    NOTIFICATIONS,
    OPEN_PETITION,
    REFUND,
)

OWNER_ONLY = frozenset({Who.OWNER})
# Pages for what is the citizen's own: anyone else is told it is not found.
CITIZEN_OWN = {ANONYMOUS: SIGN_IN, OTHER_CITIZEN: 404, OTHER_AGENCY: 404, WRONG_ROLE: 404}
# Pages only a citizen (an account with a personal ID) uses: staff are told so.
CITIZEN_ONLY = {ANONYMOUS: SIGN_IN, OTHER_AGENCY: 403, WRONG_ROLE: 403}


def _staff_except(world: World, agency: str, admitted: set[str]) -> list[tuple[str, Any]]:
    return [
        (f"{role}@{agency}", world.officer(agency, role))
        for role in (*STAFF_ROLES, Role.ADMIN)
        if role not in admitted and (agency, role) in world.staff
    ]


def _owner_actors(world: World) -> Actors:
    """The applicant's own things: every staff kind is someone else, as another citizen is."""
    dossier = world.dossier(State.RECEIVED)
    out: Actors = {
        kind: wrong_actors(world, kind, OWNER_ONLY, dossier)
        for kind in (ANONYMOUS, OTHER_CITIZEN, OTHER_AGENCY, WRONG_ROLE)
    }
    out[RIGHT] = [("owner", world.owner)]
    return out


def _citizen_actors(world: World) -> Actors:
    """A page for citizens: staff of any agency are refused."""
    return {
        ANONYMOUS: [("anonymous", None)],
        OTHER_AGENCY: [(f"{Role.RECEPTION}@other", world.officer(OTHER, Role.RECEPTION))],
        WRONG_ROLE: _staff_except(world, HOME, set()),
        RIGHT: [("owner", world.owner)],
    }


def _staff_actors(right: str, admitted: set[str], *, other_agency: bool = True):
    """A staff page of the home agency, passed by the `admitted` roles there."""

    def actors(world: World) -> Actors:
        out: Actors = {
            ANONYMOUS: [("anonymous", None)],
            OTHER_CITIZEN: [("other citizen", world.other_citizen)],
            OWNER: [("owner", world.owner)],
            WRONG_ROLE: _staff_except(world, HOME, admitted),
            RIGHT: [(f"{right}@home", world.officer(HOME, right))],
        }
        if other_agency:
            out[OTHER_AGENCY] = [
                (f"{role}@other", world.officer(OTHER, role))
                for role in sorted(admitted)
                if (OTHER, role) in world.staff
            ]
        return out

    return actors


def _grew(by: int = 1) -> Callable[[Any, Any], bool]:
    return lambda before, after: after == before + by


# ---------------------------------------------------------------- the counter's walk-in


def _walk_ins(world: World) -> list[tuple[str, str]]:
    return list(
        Dossier.objects.filter(agency=world.agencies[HOME], channel=Channel.DIRECT)
        .order_by("pk")
        .values_list("applicant_id_number", "state")
    )


def _walk_in_url(world: World) -> str:
    procedure = world.dossier(State.DRAFT).procedure
    return f"/mot-cua/tiep-nhan/moi/?co_quan={world.agencies[HOME].code}&thu_tuc={procedure.code}"


WALK_IN_ID = "001090000777"

COUNTER_WALKIN = Row(
    route="office:counter_walkin",
    label="create",
    url=_walk_in_url,
    data=lambda world: {
        "hanh_dong": "tao",
        "channel": Channel.DIRECT,
        "applicant_id_number": WALK_IN_ID,
        "applicant_name": "Trần Thị Bình",
    },
    # Another agency's reception naming this agency in the address is refused (403) as
    # much as anyone without reception.
    actors=_staff_actors(Role.RECEPTION, {Role.RECEPTION}),
    refused={
        ANONYMOUS: SIGN_IN,
        OTHER_CITIZEN: 403,
        OWNER: 403,
        OTHER_AGENCY: 403,
        WRONG_ROLE: 403,
    },
    effect=_walk_ins,
    # A draft of the agency's, which the check page then receives.
    done=lambda before, after: after == [*before, (WALK_IN_ID, State.DRAFT)],
)


# ---------------------------------------------------------------- petitions


def _petition(key: str) -> Callable[[World], tuple[str, str, str, str]]:
    def effect(world: World) -> tuple[str, str, str, str]:
        p = Petition.objects.get(reference=world.extra[key])
        return p.state, p.answer, p.reject_reason, p.rating

    return effect


def _petition_url(key: str, tail: str) -> Callable[[World], str]:
    return lambda world: f"/mot-cua/phan-anh/{world.extra[key]}/{tail}/"


ANSWER = "Sở đã nhắc nhở cán bộ và sẽ gọi điện báo trước mỗi lần hẹn trả kết quả."
REJECT = "Nội dung thuộc thẩm quyền của Ủy ban nhân dân phường."
# Petitions are handled by the agency's reception, specialists and approvers, and its
# leaders; the admin role manages configuration and does not answer citizens. Anyone else
# meets 404 (not "forbidden"): whether a petition exists is not told.
HANDLERS = {Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.LEADER}
PETITION_STAFF = {
    ANONYMOUS: SIGN_IN,
    OTHER_CITIZEN: 403,
    OWNER: 403,
    OTHER_AGENCY: 404,
    WRONG_ROLE: 403,
}

PETITION_ROWS = [
    Row(
        route="feedback_office:answer",
        label="answer",
        url=_petition_url(OPEN_PETITION, "tra-loi"),
        data=lambda world: {"answer": ANSWER},
        actors=_staff_actors(Role.SPECIALIST, HANDLERS),
        refused=PETITION_STAFF,
        effect=_petition(OPEN_PETITION),
        done=lambda before, after: (
            before == ("received", "", "", "") and after == ("answered", ANSWER, "", "")
        ),
    ),
    Row(
        route="feedback_office:reject",
        label="reject",
        url=_petition_url(OPEN_PETITION, "tu-choi"),
        data=lambda world: {"reason": REJECT},
        actors=_staff_actors(Role.RECEPTION, HANDLERS),
        refused=PETITION_STAFF,
        effect=_petition(OPEN_PETITION),
        done=lambda before, after: (
            before == ("received", "", "", "") and after == ("rejected", "", REJECT, "")
        ),
    ),
    Row(
        route="feedback:mine_rate",
        label="rate",
        url=lambda world: f"/phan-anh/cua-toi/{world.extra[ANSWERED_PETITION]}/danh-gia/",
        data=lambda world: {"rating": "satisfied"},
        actors=_owner_actors,
        refused=CITIZEN_OWN,
        effect=_petition(ANSWERED_PETITION),
        done=lambda before, after: before[3] == "" and after == (*before[:3], "satisfied"),
    ),
]


def _sent(world: World) -> int:
    return Petition.objects.filter(citizen=world.owner).count()


def _petition_data(world: World) -> dict[str, Any]:
    return {
        "kind": "reflection",
        "agency": world.agencies[HOME].code,
        "subject": "Chờ lâu tại quầy",
        "content": "Tôi chờ hơn hai giờ tại quầy một cửa mà chưa được tiếp nhận hồ sơ.",
    }


def _about(world: World) -> str:
    return f"/phan-anh/gui/?ho_so={world.dossier(State.RETURNED).public_code}"


SUBMIT_ROWS = [
    # A petition about nothing in particular: any citizen may send one, staff may not.
    Row(
        route="feedback:submit",
        label="general",
        url=lambda world: "/phan-anh/gui/",
        data=_petition_data,
        actors=_citizen_actors,
        refused=CITIZEN_ONLY,
        effect=_sent,
        done=_grew(),
    ),
    # About a dossier: only its applicant may name it.
    Row(
        route="feedback:submit",
        label="about_dossier",
        url=_about,
        data=lambda world: {
            **_petition_data(world),
            "dossier": world.dossier(State.RETURNED).public_code,
        },
        actors=_owner_actors,
        refused=CITIZEN_OWN,
        effect=_sent,
        done=_grew(),
    ),
]


# ---------------------------------------------------------------- notifications


def _unread(world: World) -> list[int]:
    return sorted(
        Notification.objects.filter(user=world.owner, read_at__isnull=True).values_list(
            "pk", flat=True
        )
    )


NOTIFICATION_ROWS = [
    Row(
        route="notifications:read",
        label="one",
        url=lambda world: f"/thong-bao/{world.extra[NOTIFICATIONS][0]}/da-doc/",
        data=lambda world: {},
        actors=_owner_actors,
        refused=CITIZEN_OWN,
        effect=_unread,
        done=lambda before, after: len(before) == 2 and after == before[1:],
    ),
    # Everyone's "mark all read" is their own: only an anonymous visitor is refused.
    Row(
        route="notifications:read_all",
        label="all",
        url=lambda world: "/thong-bao/da-doc/",
        data=lambda world: {},
        actors=lambda world: {ANONYMOUS: [("anonymous", None)], RIGHT: [("owner", world.owner)]},
        refused={ANONYMOUS: SIGN_IN},
        effect=_unread,
        done=lambda before, after: len(before) == 2 and after == [],
    ),
]


# ---------------------------------------------------------------- payments


def _payments(world: World) -> list[tuple[str, str]]:
    return list(
        Payment.objects.filter(dossier=world.dossier(State.RECEIVED))
        .order_by("pk")
        .values_list("method", "status")
    )


def _refund(world: World) -> tuple[str, str]:
    refund = Refund.objects.select_related("payment").get(pk=world.extra[REFUND])
    return refund.state, refund.payment.status


PAYMENT_ROWS = [
    Row(
        route="payments:pay",
        label="online",
        url=lambda world: f"/thanh-toan/{world.dossier(State.RECEIVED).public_code}/",
        data=lambda world: {"cong": "sandbox"},
        actors=_owner_actors,
        refused=CITIZEN_OWN,
        effect=_payments,
        done=lambda before, after: after == [*before, ("online", "pending")],
    ),
    Row(
        route="payments:refund_settle",
        label="settle",
        url=lambda world: f"/thanh-toan/hoan-tien/{world.extra[REFUND]}/",
        data=lambda world: {"cach_hoan": "Trả tiền mặt, người nộp ký nhận."},
        actors=_staff_actors(Role.RECEPTION, {Role.RECEPTION}),
        refused={
            ANONYMOUS: SIGN_IN,
            OTHER_CITIZEN: 403,
            OWNER: 403,
            OTHER_AGENCY: 403,
            WRONG_ROLE: 403,
        },
        effect=_refund,
        done=lambda before, after: (
            before == ("open", "overpaid") and after == ("settled", "refunded")
        ),
    ),
]


# ---------------------------------------------------------------- applying online


def _drafts(world: World) -> int:
    return Dossier.objects.filter(applicant=world.owner, state=State.DRAFT).count()


APPLY_ROWS = [
    Row(
        route="portal:apply",
        label="save_draft",
        url=lambda world: f"/thu-tuc/{world.dossier(State.DRAFT).procedure.code}/nop/",
        data=lambda world: {"hanh_dong": "luu_nhap", "co_quan": world.agencies[HOME].code},
        actors=_citizen_actors,
        refused=CITIZEN_ONLY,
        effect=_drafts,
        done=_grew(),
    ),
]


# ---------------------------------------------------------------- the national sync


def _dead(world: World) -> list[int]:
    return list(
        OutboxMessage.objects.filter(topic=SYNC_TOPIC, status=OutboxMessage.Status.DEAD)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


SYNC_ROWS = [
    # The sync's administrator is the admin of a top-level agency: whichever one (the sync
    # carries every agency's dossiers), so no other agency is a wrong kind here.
    Row(
        route="sync:resend",
        label="all_dead",
        url=lambda world: "/mot-cua/dong-bo/gui-lai/",
        data=lambda world: {"all_dead": "1"},
        actors=_staff_actors(Role.ADMIN, {Role.ADMIN}, other_agency=False),
        refused={ANONYMOUS: SIGN_IN, OTHER_CITIZEN: 403, OWNER: 403, WRONG_ROLE: 403},
        effect=_dead,
        done=lambda before, after: len(before) == 1 and after == [],
    ),
]


# ---------------------------------------------------------------- filing the statistics report


def _last_month():
    return default_period(timezone.localdate())


def _home_reports(world: World) -> list[tuple[int, str, str]]:
    return list(
        FiledReport.objects.filter(agency=world.agencies[HOME])
        .order_by("version")
        .values_list("version", "status", "correction_reason")
    )


def _home_draft(world: World) -> FiledReport:
    """Last month's draft of the home agency, as the job leaves it (idempotent)."""
    return report_draft(agency=world.agencies[HOME], kind="month", period=_last_month())


def _home_filed(world: World) -> FiledReport:
    filed = _home_draft(world)
    if filed.status == FiledReport.Status.DRAFT:
        filed = report_submit(actor=world.officer(HOME, Role.LEADER), filed=filed)
    return filed


def _home_latest(world: World) -> int:
    """The latest version's id, read only: the address is taken after the fingerprint."""
    period = _last_month()
    return (
        FiledReport.objects.filter(
            agency=world.agencies[HOME], period_start=period.start, period_end=period.end
        )
        .order_by("-version")
        .values_list("pk", flat=True)[0]
    )


def _preparing(prepare: Callable[[World], Any], actors: Callable[[World], Actors]):
    """The world holds no report (world_other builds the other pages' things): the row makes
    the one it posts to when its actors are chosen, before the test's fingerprint or effect."""

    def chosen(world: World) -> Actors:
        prepare(world)
        return actors(world)

    return chosen


# Leaders of the report's own agency only; every other signed-in person meets the 403 page.
LEADER_ONLY = {
    ANONYMOUS: SIGN_IN,
    OTHER_CITIZEN: 403,
    OWNER: 403,
    OTHER_AGENCY: 403,
    WRONG_ROLE: 403,
}
CORRECTION = "Bổ sung hồ sơ nhập muộn."

FILING_ROWS = [
    Row(
        route="index:filing_draft",
        label="draft",
        url=lambda world: "/chi-so/bao-cao/nop/lap/",
        data=lambda world: {
            "agency": world.agencies[HOME].code,
            "from": _last_month().start.isoformat(),
            "to": _last_month().end.isoformat(),
        },
        actors=_staff_actors(Role.LEADER, {Role.LEADER}),
        refused=LEADER_ONLY,
        effect=_home_reports,
        done=lambda before, after: before == [] and after == [(1, "draft", "")],
    ),
    Row(
        route="index:filing_submit",
        label="submit",
        url=lambda world: f"/chi-so/bao-cao/nop/{_home_latest(world)}/nop/",
        data=lambda world: {"xac_nhan": "1"},
        actors=_preparing(_home_draft, _staff_actors(Role.LEADER, {Role.LEADER})),
        refused=LEADER_ONLY,
        effect=_home_reports,
        done=lambda before, after: before == [(1, "draft", "")] and after == [(1, "submitted", "")],
    ),
    Row(
        route="index:filing_correct",
        label="correct",
        url=lambda world: f"/chi-so/bao-cao/nop/{_home_latest(world)}/dinh-chinh/",
        data=lambda world: {"ly_do": CORRECTION},
        actors=_preparing(_home_filed, _staff_actors(Role.LEADER, {Role.LEADER})),
        refused=LEADER_ONLY,
        effect=_home_reports,
        done=lambda before, after: (
            before == [(1, "submitted", "")]
            and after == [(1, "submitted", ""), (2, "draft", CORRECTION)]
        ),
    ),
]


# ---------------------------------------------------------------- signing out


def _sessions(world: World) -> int:
    return Session.objects.count()


SIGN_OUT_ROWS = [
    # Nobody is refused signing out; the signed-in session is what it ends.
    Row(
        route="logout",
        label="sign_out",
        url=lambda world: "/dang-xuat/",
        data=lambda world: {},
        actors=lambda world: {RIGHT: [("owner", world.owner)]},
        refused={},
        effect=_sessions,
        done=_grew(-1),
    ),
]

OTHER_ROWS = [
    COUNTER_WALKIN,
    *PETITION_ROWS,
    *SUBMIT_ROWS,
    *NOTIFICATION_ROWS,
    *PAYMENT_ROWS,
    *APPLY_ROWS,
    *SYNC_ROWS,
    *FILING_ROWS,
    *REFORM_ROWS,
    *BALLOT_ROWS,
    *CONSULTATION_ROWS,
    *MESSAGING_ROWS,
    *SIGN_OUT_ROWS,
]
