"""The rows of the document exchange's staff pages: the clerk's queue (attach a letter nobody
matched to a dossier, dismiss it) and the dossier page's two posts (issue a letter, ask another
organ's opinion — which suspends the dossier, so only the step's holder may). The inbound
endpoint is exempt (signed envelopes: tests/docexchange/test_inbound.py)."""

from __future__ import annotations

from django.utils import timezone
from joserfc.jwk import OKPKey

from motcua.directory.models import Role
from motcua.docexchange.models import OfficialDocument, Peer
from motcua.dossiers.models import State
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

PEER = "000.00.12.H46"
ENVELOPE = "security-unmatched"
CLERKS = {Role.RECEPTION, Role.SPECIALIST, Role.APPROVER}


def _peer() -> None:
    Peer.objects.get_or_create(
        code=PEER,
        defaults={
            "name": "Sở Tư pháp tỉnh bạn",
            "public_key": OKPKey.generate_key("Ed25519").as_pem(private=False).decode(),
        },
    )


def _unmatched(world: World) -> None:
    OfficialDocument.objects.get_or_create(
        sender_code=PEER,
        envelope_id=ENVELOPE,
        defaults={
            "direction": "in",
            "kind": "incoming",
            "status": "unmatched",
            "agency": world.agencies[HOME],
            "recipients": [world.agencies[HOME].code],
            "number": 45,
            "notation": "STP-VP",
            "issued_on": timezone.localdate(),
            "doc_type": "Công văn",
            "subject": "Văn bản đến",
            "signer_name": "Trần Thị B",
            "envelope": b"",
            "created_at": timezone.now(),
        },
    )


def _actors(right: str, admitted: set[str], *, setup) -> object:
    def actors(world: World) -> Actors:
        setup(world)
        return {
            ANONYMOUS: [("anonymous", None)],
            OTHER_CITIZEN: [("other citizen", world.other_citizen)],
            OWNER: [("owner", world.owner)],
            OTHER_AGENCY: [(f"{r}@other", world.officer(OTHER, r)) for r in sorted(admitted)],
            WRONG_ROLE: [
                (f"{r}@home", world.officer(HOME, r)) for r in STAFF_ROLES if r not in admitted
            ],
            RIGHT: [(f"{right}@home", world.officer(HOME, right))],
        }

    return actors


def _letter_url(suffix: str):
    def url(world: World) -> str:
        pk = OfficialDocument.objects.get(envelope_id=ENVELOPE).pk
        return f"/mot-cua/van-ban/{pk}/{suffix}/"

    return url


def _letter_status(world: World) -> str:
    return OfficialDocument.objects.get(envelope_id=ENVELOPE).status


def _outgoing(world: World) -> int:
    return OfficialDocument.objects.filter(direction="out").count()


def _consulted(world: World) -> tuple[int, str]:
    return _outgoing(world), world.dossier(State.IN_PROGRESS).state


# Staff pages: a citizen is told "not for you"; staff of another agency do not learn the
# letter or the dossier exists.
STAFF_REFUSED = {
    ANONYMOUS: SIGN_IN,
    OTHER_CITIZEN: 403,
    OWNER: 403,
    OTHER_AGENCY: 404,
    WRONG_ROLE: 403,
}


def _both(world: World) -> None:
    _peer()
    _unmatched(world)


DOCEXCHANGE_ROWS = [
    Row(
        route="docexchange:attach",
        label="unmatched",
        url=_letter_url("gan-ho-so"),
        data=lambda world: {"dossier": world.dossier(State.IN_PROGRESS).public_code},
        actors=_actors(Role.RECEPTION, CLERKS, setup=_both),  # type: ignore[arg-type]
        refused=STAFF_REFUSED,
        effect=_letter_status,
        done=lambda before, after: (before, after) == ("unmatched", "attached"),
    ),
    Row(
        route="docexchange:dismiss",
        label="unmatched",
        url=_letter_url("loai"),
        data=lambda world: {"reason": "Không liên quan hồ sơ nào."},
        actors=_actors(Role.RECEPTION, CLERKS, setup=_both),  # type: ignore[arg-type]
        refused=STAFF_REFUSED,
        effect=_letter_status,
        done=lambda before, after: (before, after) == ("unmatched", "dismissed"),
    ),
    Row(
        route="docexchange:issue",
        label="refusal",
        url=lambda world: (
            f"/mot-cua/van-ban/ho-so/{world.dossier(State.REFUSED).public_code}/phat-hanh/"
        ),
        data=lambda world: {"kind": "refusal", "recipient": PEER},
        actors=_actors(Role.RECEPTION, CLERKS, setup=lambda world: _peer()),  # type: ignore[arg-type]
        refused=STAFF_REFUSED,
        effect=_outgoing,
        done=lambda before, after: after == before + 1,
    ),
    Row(
        route="docexchange:consult",
        label="step holder",
        url=lambda world: (
            f"/mot-cua/van-ban/ho-so/{world.dossier(State.IN_PROGRESS).public_code}/xin-y-kien/"
        ),
        data=lambda world: {
            "recipient": PEER,
            "subject": "Xin ý kiến về hồ sơ",
            "version": world.dossier(State.IN_PROGRESS).version,
        },
        actors=_actors(Role.SPECIALIST, {Role.SPECIALIST}, setup=lambda world: _peer()),  # type: ignore[arg-type]
        refused=STAFF_REFUSED,
        effect=_consulted,
        done=lambda before, after: after == (before[0] + 1, State.SUSPENDED),
    ),
]
