"""Who may act now (`allowed_actions`) and the one writer of `Dossier.state`
(`dossier_transition`), with the outbox rows a transition leaves for after the commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import (
    MotcuaError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.core.outbox import outbox_write
from motcua.counters.services import counters_move
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.lifecycle.effects import _EFFECTS, _GUARDS, _INPUTS, _Change, _no_effect
from motcua.dossiers.lifecycle.events import (
    Tail,
    dossier_event_tail,
    dossier_event_write,
    dossier_moment_check,
)
from motcua.dossiers.lifecycle.lock import dossier_lock
from motcua.dossiers.lifecycle.refusals import refusals_logged
from motcua.dossiers.lifecycle.table import (
    NOTIFY_APPLICANT,
    PREVIOUS,
    TABLE,
    Action,
    Rule,
    Who,
    _step_agency_id,
)
from motcua.dossiers.lifecycle.unsaved import after_insert, dossier_save
from motcua.dossiers.lifecycle.waits import bundle_done_follow, waits_follow
from motcua.dossiers.metrics import contributions
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State

# Read models kept in the writing transaction by the apps that read the dossiers (the index
# times a dossier's closed steps at each step move): they register here from their
# `AppConfig.ready`, so the dossiers never import them.
_FOLLOWERS: list[Callable[[Dossier, str], None]] = []


def transition_follow(follow: Callable[[Dossier, str], None]) -> None:
    """Call `follow(dossier, action)` after every transition's event, in its transaction."""
    if follow not in _FOLLOWERS:
        _FOLLOWERS.append(follow)


def allowed_actions(dossier: Dossier, actor: User | None) -> list[str]:
    """The actions this actor may take on this dossier now (for buttons and the API)."""
    return [
        action
        for (state, action), rule in TABLE.items()
        if state == dossier.state and _admits(rule, actor, dossier)
    ]


_STEP_HOLDER = Rule(to=State.IN_PROGRESS, who=frozenset({Who.STEP}))


def holds_current_step(actor: User | None, dossier: Dossier) -> bool:
    """The actor holds the dossier's current workflow step (`Who.STEP`) while it is being
    processed: who may work on its content (a result, a request to the counter)."""
    return dossier.state == State.IN_PROGRESS and _admits(_STEP_HOLDER, actor, dossier)


def _unsent(dossier: Dossier) -> bool:
    """A citizen's online draft: only its applicant acts on it until it is submitted (the
    counter's own drafts are walk-ins, direct or postal)."""
    return dossier.state == State.DRAFT and dossier.channel == Channel.ONLINE


def _admits(rule: Rule, actor: User | None, dossier: Dossier) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    for who in rule.who:
        if who == Who.OWNER and dossier.applicant_id == actor.pk:
            return True
        if (
            who == Who.RECEPTION
            and not _unsent(dossier)
            and user_has_role(actor, Role.RECEPTION, dossier.agency_id)
        ):
            return True
        if who == Who.STEP and dossier.current_step is not None:
            step = dossier.current_step
            holds = user_has_role(actor, step.role, _step_agency_id(dossier, step))
            if holds and dossier.assignee_id in (None, actor.pk):
                return True
        if who == Who.PROCESSING and any(
            user_has_role(actor, role, dossier.agency_id)
            for role in (Role.SPECIALIST, Role.APPROVER)
        ):
            return True
        if who == Who.AGENCY_STAFF and any(
            user_has_role(actor, role, agency_id)
            for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)
            for agency_id in {dossier.agency_id, getattr(dossier.current_step, "agency_id", None)}
            if agency_id
        ):
            return True
        if (
            who == Who.HOLDER
            and dossier.applicant_id is None
            and actor.vneid_verified_at is not None
            and actor.personal_id
            and dossier.applicant_id_number == actor.personal_id
        ):
            return True
        if who == Who.TRANSFER_TARGET and any(
            user_has_role(actor, role, agency_id)
            for role in (Role.SPECIALIST, Role.APPROVER)
            for agency_id in (dossier.transfer_agency_id, dossier.agency_id)
        ):
            return True
    return False


def transition_refusal(actor: User | None, dossier: Dossier, action: str) -> MotcuaError | None:
    """Why the table refuses `action` by `actor` on the dossier as it is now, or None."""
    rule = TABLE.get((dossier.state, action))
    if rule is None:
        return TransitionNotAllowed(
            _("Không thể %(action)s khi hồ sơ đang ở trạng thái “%(state)s”.")
            % {"action": Action(action).label.lower(), "state": State(dossier.state).label}
        )
    if not _admits(rule, actor, dossier):
        return PermissionDenied(
            _("Bạn không có quyền %(action)s đối với hồ sơ này; chỉ %(who)s được làm việc này.")
            % {
                "action": Action(action).label.lower(),
                "who": ", ".join(str(Who(w).label) for w in sorted(rule.who)),
            }
        )
    return None


@refusals_logged
def dossier_transition(
    *,
    actor: User | None,
    dossier: Dossier | int,
    action: str,
    at: datetime | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Apply `action` to the dossier as `actor`. The one writer of `Dossier.state`.

    `at` defaults to now; the demo and imports pass historical moments, which must not run
    backwards. `expected_version` is the version the actor's screen showed: when someone else
    changed the dossier meanwhile, the action is refused as a conflict instead of applied twice.
    """
    if action not in Action.values:
        raise ValidationFailed(_("Hành động '%(action)s' không tồn tại.") % {"action": action})
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        return transition_apply(
            actor=actor, dossier=locked, action=action, at=at, note=note, payload=payload
        )


def transition_apply(
    *,
    actor: User | None,
    dossier: Dossier,
    action: str,
    at: datetime | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    after: Tail | None = None,
) -> Dossier:
    """The transition on a row the caller locked (`dossier_lock`) in its transaction: for a
    service that carries several intents of one request under one lock. Guard (the table,
    who, the effect's own guard), then apply: the effect, one version, the counters, one
    event (after `after`, the tail the caller just wrote, when it passes one), the outbox."""
    locked = dossier
    refusal = transition_refusal(actor, locked, action)
    if refusal is not None:
        raise refusal
    rule = TABLE[(locked.state, action)]
    payload = dict(payload or {})
    moment = at or timezone.now()
    tail = after or dossier_event_tail(locked)
    dossier_moment_check(locked, moment, tail.at)
    change = _Change(
        dossier=locked,
        actor=actor,
        action=action,
        at=moment,
        payload=payload,
        fields=set(),
    )
    guard = _GUARDS.get(action)
    refused = guard(locked) if guard is not None else None
    if refused is not None:
        raise refused
    _INPUTS.get(action, _no_effect)(change)
    from_state = locked.state
    counted_before = contributions(locked)
    to_state = locked.state_before_pause if rule.to == PREVIOUS else rule.to
    _EFFECTS.get(action, _no_effect)(change)
    change.set(state=to_state, version=locked.version + 1)
    dossier_save(locked, [*change.fields, "updated_at"])
    counters_move(counted_before, contributions(locked))
    event = dossier_event_write(
        dossier=locked,
        after=tail,
        at=moment,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        payload=payload,
    )
    for follow in _FOLLOWERS:
        follow(locked, action)
    messages = _outbox_messages(locked, event)
    if messages:
        after_insert(locked, lambda: outbox_rows_write(locked, event, messages))
    bundle_done_follow(dossier=locked, action=action)
    waits_follow(actor=actor, dossier=locked, action=action, at=moment)
    return locked


def _outbox_messages(dossier: Dossier, event: DossierEvent) -> list[tuple[str, dict[str, Any]]]:
    """The outbox rows a transition leaves, decided on the dossier as it leaves it: topic and
    payload beside the dossier's and the event's ids."""
    messages: list[tuple[str, dict[str, Any]]] = []
    if _national_holds(dossier):
        messages.append(("national.sync", {"state": event.to_state}))
    if _reachable(dossier) and event.action in NOTIFY_APPLICANT:
        messages.append(("dossier.notify", {}))
    return messages


def outbox_rows_write(
    dossier: Dossier, event: DossierEvent, messages: list[tuple[str, dict[str, Any]]]
) -> None:
    """Write the outbox rows decided for an event, once the dossier and the event have ids
    (`unsaved.after_insert`)."""
    for topic, payload in messages:
        outbox_write(
            topic=topic, payload={"dossier_id": dossier.pk, "event_id": event.pk, **payload}
        )


def _national_holds(dossier: Dossier) -> bool:
    """The national portal knows the dossier from its submission (status 1) or, for a walk-in,
    its reception: from then on every change goes there, a refusal at reception and a
    withdrawal before it included (§12: statuses 3 and 7)."""
    return dossier.submitted_at is not None or dossier.received_at is not None


def _reachable(dossier: Dossier) -> bool:
    """The applicant can hear from us: an account on the portal, or an email address given at
    the counter."""
    return bool(dossier.applicant_id or dossier.applicant_email)
