"""What may this person do to this dossier now, and if not, why: one answer for the pages
(their buttons and refusal reasons), the services (their guard, on the locked row) and the
API. Transitions answer from `TABLE` and the effects' guards; events that change no state
from `RECORD_RULES` and the guards below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import WorkflowStep
from motcua.core.errors import (
    MotcuaError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.directory.models import User
from motcua.dossiers.lifecycle.effects import _GUARDS
from motcua.dossiers.lifecycle.table import RECORD_RULES, Action, Record, Rule
from motcua.dossiers.lifecycle.transition import _admits, transition_refusal
from motcua.dossiers.models import Dossier, State


@dataclass(frozen=True)
class Allowed:
    allowed = True


@dataclass(frozen=True)
class Refusal:
    """Why not: the stable code and the Vietnamese message the service would raise (`error`,
    to raise it as is)."""

    code: str
    message: str
    error: MotcuaError = field(compare=False, repr=False)
    # The person may take this action in this state; what the dossier holds (or lacks) keeps
    # it back — a reason worth showing beside the buttons, unlike "not yours" or "not now".
    held: bool = False
    allowed = False

    @classmethod
    def of(cls, error: MotcuaError, *, held: bool = False) -> Refusal:
        return cls(code=error.code, message=error.message, error=error, held=held)


ALLOWED = Allowed()
# The transitions whose guards walk the workflow's steps (the reception's guard reads only
# the dossier's wait).
_STEP_GUARDS = (Action.FORWARD, Action.SEND_BACK, Action.APPROVE)


def _apology_guard(dossier: Dossier) -> MotcuaError | None:
    if dossier.received_at is None or dossier.finished_at is not None or dossier.closed_at:
        return ValidationFailed(
            _("Chỉ gửi phiếu xin lỗi cho hồ sơ đang giải quyết."), fields={"state": "invalid"}
        )
    if dossier.due_at is None:
        return ValidationFailed(_("Hồ sơ không có hạn giải quyết."), fields={"state": "invalid"})
    return None


def _digitize_guard(dossier: Dossier) -> MotcuaError | None:
    if dossier.received_at is None:
        return ValidationFailed(_("Chỉ số hóa hồ sơ đã tiếp nhận."), fields={"state": "invalid"})
    return None


def _rate_guard(dossier: Dossier) -> MotcuaError | None:
    if dossier.rating:
        return TransitionNotAllowed(
            _("Hồ sơ %(code)s đã được đánh giá ngày %(day)s; mỗi hồ sơ chỉ đánh giá một lần.")
            % {
                "code": dossier.public_code,
                "day": timezone.localtime(dossier.rated_at).strftime("%d/%m/%Y")
                if dossier.rated_at
                else "",
            }
        )
    return None


# Beyond who and which state: what the dossier itself must hold.
_RECORD_GUARDS: dict[str, Callable[[Dossier], MotcuaError | None]] = {
    Record.APOLOGY: _apology_guard,
    Record.DIGITIZE: _digitize_guard,
    Record.RATE: _rate_guard,
}


def record_refusal(actor: User | None, dossier: Dossier, record: str) -> MotcuaError | None:
    """Why `actor` may not record `record` on the dossier as it is now, or None. Services ask
    it on the locked row, pages on the row they show."""
    refusal = _record_rule_refusal(actor, dossier, record)
    return refusal if refusal is not None else _guard_refusal(dossier, record)


def _guard_refusal(dossier: Dossier, action: str) -> MotcuaError | None:
    guard = (_RECORD_GUARDS if action in RECORD_RULES else _GUARDS).get(action)
    return guard(dossier) if guard is not None else None


def _record_rule_refusal(actor: User | None, dossier: Dossier, record: str) -> MotcuaError | None:
    """Who and in which state (`RECORD_RULES`), before the record's own guard."""
    rule = RECORD_RULES[record]
    kinds = [who for who in rule.who if _admits(Rule(to="", who=frozenset({who})), actor, dossier)]
    if any(dossier.state in rule.who[who] for who in kinds):
        return None
    words = {"state": State(dossier.state).label, "code": dossier.public_code}
    anyone = frozenset().union(*rule.who.values())
    if kinds and dossier.state not in anyone:
        message = (
            str(rule.not_now) % words
            if rule.not_now
            else _("Không thể %(action)s khi hồ sơ đang ở trạng thái “%(state)s”.")
            % {**words, "action": Record(record).label.lower()}
        )
        if rule.not_now_code == "transition_not_allowed":
            return TransitionNotAllowed(message)
        return ValidationFailed(message, fields={"state": rule.not_now_code})
    return PermissionDenied(
        str(rule.denied)
        if rule.denied
        else _("Bạn không có quyền %(action)s đối với hồ sơ này.")
        % {"action": Record(record).label.lower()}
    )


def _rule_refusal(actor: User | None, dossier: Dossier, action: str) -> MotcuaError | None:
    if action in RECORD_RULES:
        return _record_rule_refusal(actor, dossier, action)
    return transition_refusal(actor, dossier, action)


def action_refusal(actor: User | None, dossier: Dossier, action: str) -> MotcuaError | None:
    """Why `actor` may not take `action` (an `Action` or a `Record`) now, or None."""
    refusal = _rule_refusal(actor, dossier, action)
    return refusal if refusal is not None else _guard_refusal(dossier, action)


def workflow_steps_load(dossier: Dossier) -> None:
    """The procedure's steps (with their agencies) read once, for the transitions' guards,
    which walk them, and for a page that shows them; nothing when already read."""
    if "steps" not in getattr(dossier.procedure, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [dossier.procedure],
            Prefetch("steps", queryset=WorkflowStep.objects.select_related("agency")),
        )


def dossier_permissions(actor: User | None, dossier: Dossier) -> dict[str, Allowed | Refusal]:
    """Every action and every event with rules: allowed, or the refusal the service would
    give (its code and message), for the page to draw its buttons and reasons from."""
    actions = [*Action.values, *RECORD_RULES]
    refusals = {action: _rule_refusal(actor, dossier, action) for action in actions}
    if any(refusals[action] is None for action in _STEP_GUARDS):
        workflow_steps_load(dossier)
    answers: dict[str, Allowed | Refusal] = {}
    for action in actions:
        refusal = refusals[action]
        if refusal is not None:
            answers[action] = Refusal.of(refusal)
            continue
        held = _guard_refusal(dossier, action)
        answers[action] = ALLOWED if held is None else Refusal.of(held, held=True)
    return answers
