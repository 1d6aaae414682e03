"""The dossier lifecycle (domain.md §6): one table, one transition function.

`TABLE` maps (state, action) to the resulting state and to who may take the action. Every
change of `Dossier.state` goes through `dossier_transition`, which — in one transaction —
checks the table and the actor's role, writes the immutable event, updates the derived
clock and workflow fields, and writes the outbox rows. Anything missing from the table is
refused with a Vietnamese message and leaves the dossier and its events untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import WorkflowStep
from motcua.core.calendar import working_calendar
from motcua.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.core.outbox import outbox_write
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.codes import dossier_code_next
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.index.metrics import contributions, counters_move


class Action(models.TextChoices):
    SUBMIT = "submit", gettext_lazy("Nộp hồ sơ trực tuyến")
    RECEIVE = "receive", gettext_lazy("Tiếp nhận hồ sơ")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("Yêu cầu bổ sung hồ sơ")
    PROVIDE_SUPPLEMENT = "provide_supplement", gettext_lazy("Nộp bổ sung hồ sơ")
    REFUSE = "refuse", gettext_lazy("Từ chối giải quyết")
    FORWARD = "forward", gettext_lazy("Chuyển bước xử lý")
    SEND_BACK = "send_back", gettext_lazy("Trả lại bước trước")
    APPROVE = "approve", gettext_lazy("Phê duyệt kết quả")
    SUSPEND = "suspend", gettext_lazy("Tạm dừng xử lý")
    RESUME = "resume", gettext_lazy("Tiếp tục xử lý")
    TRANSFER = "transfer", gettext_lazy("Chuyển liên thông")
    TRANSFER_BACK = "transfer_back", gettext_lazy("Nhận lại hồ sơ liên thông")
    RETURN = "return", gettext_lazy("Trả kết quả")
    WITHDRAW = "withdraw", gettext_lazy("Rút hồ sơ")
    CANCEL = "cancel", gettext_lazy("Hủy hồ sơ (quá hạn bổ sung)")


class Who(models.TextChoices):
    """The kinds of actor a rule admits, each resolved against the dossier."""

    OWNER = "owner", gettext_lazy("người nộp hồ sơ")
    RECEPTION = "reception", gettext_lazy("cán bộ một cửa của cơ quan")
    STEP = "step", gettext_lazy("cán bộ được giao bước xử lý hiện tại")
    PROCESSING = "processing", gettext_lazy("chuyên viên hoặc lãnh đạo của cơ quan")
    TRANSFER_TARGET = "transfer_target", gettext_lazy("cán bộ của cơ quan nhận liên thông")


PREVIOUS = "previous"  # go back to `state_before_pause`


@dataclass(frozen=True)
class Rule:
    to: str
    who: frozenset[str]


def _rule(to: str, *who: str) -> Rule:
    return Rule(to=to, who=frozenset(who))


_WITHDRAWABLE = (
    State.DRAFT,
    State.SUBMITTED,
    State.RECEIVED,
    State.IN_PROGRESS,
    State.SUPPLEMENT_REQUESTED,
    State.SUSPENDED,
    State.TRANSFERRED,
)

TABLE: dict[tuple[str, str], Rule] = {
    (State.DRAFT, Action.SUBMIT): _rule(State.SUBMITTED, Who.OWNER),
    # A walk-in or postal dossier is entered by the counter and received at once.
    (State.DRAFT, Action.RECEIVE): _rule(State.RECEIVED, Who.RECEPTION),
    (State.SUBMITTED, Action.RECEIVE): _rule(State.RECEIVED, Who.RECEPTION),
    (State.SUBMITTED, Action.REFUSE): _rule(State.REFUSED, Who.RECEPTION),
    (State.SUBMITTED, Action.REQUEST_SUPPLEMENT): _rule(State.SUPPLEMENT_REQUESTED, Who.RECEPTION),
    (State.RECEIVED, Action.REQUEST_SUPPLEMENT): _rule(State.SUPPLEMENT_REQUESTED, Who.RECEPTION),
    (State.IN_PROGRESS, Action.REQUEST_SUPPLEMENT): _rule(
        State.SUPPLEMENT_REQUESTED, Who.RECEPTION
    ),
    (State.SUPPLEMENT_REQUESTED, Action.PROVIDE_SUPPLEMENT): _rule(
        PREVIOUS, Who.OWNER, Who.RECEPTION
    ),
    (State.SUPPLEMENT_REQUESTED, Action.CANCEL): _rule(State.CANCELLED, Who.RECEPTION),
    (State.RECEIVED, Action.FORWARD): _rule(State.IN_PROGRESS, Who.RECEPTION),
    (State.IN_PROGRESS, Action.FORWARD): _rule(State.IN_PROGRESS, Who.STEP),
    (State.IN_PROGRESS, Action.SEND_BACK): _rule(State.IN_PROGRESS, Who.STEP),
    (State.IN_PROGRESS, Action.APPROVE): _rule(State.RESULT_READY, Who.STEP),
    (State.IN_PROGRESS, Action.REFUSE): _rule(State.REFUSED, Who.STEP),
    (State.IN_PROGRESS, Action.SUSPEND): _rule(State.SUSPENDED, Who.STEP),
    (State.SUSPENDED, Action.RESUME): _rule(PREVIOUS, Who.PROCESSING),
    (State.IN_PROGRESS, Action.TRANSFER): _rule(State.TRANSFERRED, Who.STEP),
    (State.TRANSFERRED, Action.TRANSFER_BACK): _rule(PREVIOUS, Who.TRANSFER_TARGET),
    (State.RESULT_READY, Action.RETURN): _rule(State.RETURNED, Who.RECEPTION),
    **{
        (s, Action.WITHDRAW): _rule(State.WITHDRAWN, Who.OWNER, Who.RECEPTION)
        for s in _WITHDRAWABLE
    },
}

# Which transitions the applicant hears about (the rest are internal to the agency).
NOTIFY_APPLICANT = frozenset(
    {
        Action.RECEIVE,
        Action.REQUEST_SUPPLEMENT,
        Action.REFUSE,
        Action.APPROVE,
        Action.SUSPEND,
        Action.RESUME,
        Action.RETURN,
        Action.WITHDRAW,
        Action.CANCEL,
    }
)


def allowed_actions(dossier: Dossier, actor: User | None) -> list[str]:
    """The actions this actor may take on this dossier now (for buttons and the API)."""
    return [
        action
        for (state, action), rule in TABLE.items()
        if state == dossier.state and _admits(rule, actor, dossier)
    ]


def _step_agency_id(dossier: Dossier, step: WorkflowStep | None) -> int:
    return step.agency_id if step is not None and step.agency_id else dossier.agency_id


def _admits(rule: Rule, actor: User | None, dossier: Dossier) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    for who in rule.who:
        if who == Who.OWNER and dossier.applicant_id == actor.pk:
            return True
        if who == Who.RECEPTION and user_has_role(actor, Role.RECEPTION, dossier.agency_id):
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
        if who == Who.TRANSFER_TARGET and any(
            user_has_role(actor, role, agency_id)
            for role in (Role.SPECIALIST, Role.APPROVER)
            for agency_id in (dossier.transfer_agency_id, dossier.agency_id)
        ):
            return True
    return False


@dataclass
class _Change:
    dossier: Dossier
    actor: User | None
    action: str
    at: datetime
    payload: dict[str, Any]
    calendar: WorkingCalendar
    fields: set[str]

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.dossier, name, value)
            self.fields.add(name)


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
    payload = dict(payload or {})
    dossier_id = dossier.pk if isinstance(dossier, Dossier) else dossier
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure", "agency", "current_step")
            .filter(pk=dossier_id)
            .first()
        )
        if locked is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("Hồ sơ %(code)s vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại.")
                % {"code": locked.public_code}
            )
        rule = TABLE.get((locked.state, action))
        if rule is None:
            raise TransitionNotAllowed(
                _("Không thể %(action)s khi hồ sơ đang ở trạng thái “%(state)s”.")
                % {"action": Action(action).label.lower(), "state": State(locked.state).label}
            )
        if not _admits(rule, actor, locked):
            raise PermissionDenied(
                _("Bạn không có quyền %(action)s đối với hồ sơ này; chỉ %(who)s được làm việc này.")
                % {
                    "action": Action(action).label.lower(),
                    "who": ", ".join(str(Who(w).label) for w in sorted(rule.who)),
                }
            )
        moment = at or timezone.now()
        last = locked.events.aggregate(at=Max("at"), seq=Max("seq"))
        if last["at"] is not None and moment < last["at"]:
            raise ValidationFailed(_("Thời điểm thao tác không được trước thao tác gần nhất."))
        change = _Change(
            dossier=locked,
            actor=actor,
            action=action,
            at=moment,
            payload=payload,
            calendar=working_calendar(locked.agency.office_hours),
            fields=set(),
        )
        from_state = locked.state
        counted_before = contributions(locked)
        to_state = locked.state_before_pause if rule.to == PREVIOUS else rule.to
        _EFFECTS.get(action, _no_effect)(change)
        change.set(state=to_state, version=locked.version + 1)
        locked.save(update_fields=[*change.fields, "updated_at"])
        counters_move(counted_before, contributions(locked))
        event = DossierEvent.objects.create(
            dossier=locked,
            seq=(last["seq"] or 0) + 1,
            at=moment,
            actor=actor if actor and actor.pk else None,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            payload=_jsonable(payload),
        )
        _write_outbox(locked, event)
    return locked


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in payload.items()
        if not isinstance(value, models.Model)
    }


def _write_outbox(dossier: Dossier, event: DossierEvent) -> None:
    if dossier.received_at is not None or dossier.state == State.SUBMITTED:
        outbox_write(
            topic="national.sync",
            payload={"dossier_id": dossier.pk, "event_id": event.pk, "state": event.to_state},
        )
    if _reachable(dossier) and event.action in NOTIFY_APPLICANT:
        outbox_write(
            topic="dossier.notify",
            payload={"dossier_id": dossier.pk, "event_id": event.pk},
        )


# --- effects: how each action moves the derived fields --------------------------------------


def _no_effect(change: _Change) -> None:
    return None


def _pause(change: _Change) -> None:
    change.set(paused_at=change.at, state_before_pause=change.dossier.state)


def _unpause(change: _Change) -> None:
    """Move the due moments by the working time spent paused (§5)."""
    dossier = change.dossier
    if dossier.paused_at is not None:
        paused = change.calendar.between(dossier.paused_at, change.at)
        if dossier.due_at is not None:
            change.set(due_at=_extend(change.calendar, dossier.due_at, paused))
        if dossier.step_due_at is not None:
            change.set(step_due_at=_extend(change.calendar, dossier.step_due_at, paused))
        change.payload["paused_working_minutes"] = int(paused.total_seconds() // 60)
    change.set(paused_at=None)


def _extend(calendar: WorkingCalendar, due: datetime, by: timedelta) -> datetime:
    return calendar.add(due, by) if by > timedelta(0) else due


def _submit(change: _Change) -> None:
    change.set(submitted_at=change.at)


def _receive(change: _Change) -> None:
    dossier = change.dossier
    duration = dossier.procedure.duration
    change.set(
        received_at=change.at,
        code=dossier_code_next(agency=dossier.agency, at=change.at),
        due_at=change.calendar.add(change.at, duration.delta) if duration else None,
    )
    change.payload["code"] = dossier.code
    if dossier.due_at:
        change.payload["due_at"] = dossier.due_at


def _request_supplement(change: _Change) -> None:
    dossier = change.dossier
    if dossier.received_at is not None:
        # After reception the clock stops until the complete supplement arrives (§5).
        change.set(supplement_count=dossier.supplement_count + 1)
        _pause(change)
    else:
        change.set(state_before_pause=dossier.state)
    due = change.payload.get("supplement_due_at")
    change.set(supplement_due_at=_parse_moment(due) if due else None)


def _provide_supplement(change: _Change) -> None:
    _unpause(change)
    change.set(supplement_due_at=None)


def _refuse(change: _Change) -> None:
    if not change.payload.get("reasons") and not change.payload.get("reason"):
        raise ValidationFailed(_("Phải nêu rõ lý do từ chối."), fields={"reason": "required"})
    processing = change.dossier.state == State.IN_PROGRESS
    change.set(
        refused_stage=(
            Dossier.RefusedStage.PROCESSING if processing else Dossier.RefusedStage.RECEPTION
        ),
        closed_at=change.at,
    )
    if processing:
        change.set(finished_at=change.at)
        _leave_workflow(change)


def _steps(change: _Change) -> list[WorkflowStep]:
    return list(change.dossier.procedure.steps.all())


def _enter_step(change: _Change, step: WorkflowStep) -> None:
    duration = change.dossier.procedure.duration
    assignee = change.payload.pop("assignee", None)
    assignee_id = assignee.pk if isinstance(assignee, User) else assignee
    if assignee_id is not None:
        agency_id = _step_agency_id(change.dossier, step)
        candidate = User.objects.filter(pk=assignee_id).first()
        if candidate is None or not user_has_role(candidate, step.role, agency_id):
            raise ValidationFailed(
                _("Người được giao không giữ vai trò %(role)s tại cơ quan của bước này.")
                % {"role": Role(step.role).label},
                fields={"assignee": "invalid"},
            )
        change.payload["assignee_id"] = assignee_id
    change.set(
        current_step=step,
        step_started_at=change.at,
        step_due_at=change.calendar.add(change.at, duration.share(step.share_percent))
        if duration
        else None,
        assignee_id=assignee_id,
    )
    change.payload["step"] = step.position


def _leave_workflow(change: _Change) -> None:
    change.set(current_step=None, step_started_at=None, step_due_at=None, assignee_id=None)


def _forward(change: _Change) -> None:
    steps = _steps(change)
    if not steps:
        raise TransitionNotAllowed(
            _("Thủ tục này chưa có quy trình nội bộ; quản trị cần khai báo các bước xử lý.")
        )
    current = change.dossier.current_step
    if current is None:
        _enter_step(change, steps[0])
        return
    later = [s for s in steps if s.position > current.position]
    if not later:
        raise TransitionNotAllowed(
            _("Đây là bước cuối của quy trình: hãy phê duyệt hoặc từ chối thay vì chuyển bước.")
        )
    _enter_step(change, later[0])


def _send_back(change: _Change) -> None:
    current = change.dossier.current_step
    earlier = [s for s in _steps(change) if current and s.position < current.position]
    if not earlier:
        raise TransitionNotAllowed(_("Hồ sơ đang ở bước đầu tiên, không có bước trước để trả lại."))
    if not change.payload.get("reason") and not change.payload.get("note"):
        raise ValidationFailed(_("Phải ghi rõ lý do trả lại."), fields={"reason": "required"})
    _enter_step(change, earlier[-1])


def _approve(change: _Change) -> None:
    current = change.dossier.current_step
    steps = _steps(change)
    if current is None or not steps or current.position != steps[-1].position:
        raise TransitionNotAllowed(
            _("Chỉ phê duyệt kết quả ở bước cuối của quy trình; hãy chuyển bước trước.")
        )
    change.set(finished_at=change.at)
    _leave_workflow(change)


def _suspend(change: _Change) -> None:
    kind = change.payload.get("kind", Dossier.SuspendKind.OTHER)
    if kind not in (Dossier.SuspendKind.FINANCIAL, Dossier.SuspendKind.OTHER):
        raise ValidationFailed(_("Loại tạm dừng không hợp lệ."), fields={"kind": "invalid"})
    if not change.payload.get("reason"):
        raise ValidationFailed(_("Phải ghi rõ lý do tạm dừng."), fields={"reason": "required"})
    change.set(suspend_kind=kind)
    _pause(change)


def _resume(change: _Change) -> None:
    _unpause(change)
    change.set(suspend_kind=Dossier.SuspendKind.NONE)


def _transfer(change: _Change) -> None:
    code = change.payload.get("agency")
    target = Agency.objects.filter(code=code).first() if code else None
    if target is None or target.pk == change.dossier.agency_id:
        raise ValidationFailed(
            _("Phải chọn cơ quan nhận liên thông khác cơ quan đang giải quyết."),
            fields={"agency": "invalid"},
        )
    change.set(transfer_agency=target, state_before_pause=change.dossier.state)


def _transfer_back(change: _Change) -> None:
    change.payload["from_agency"] = change.dossier.transfer_agency.code  # type: ignore[union-attr]
    change.set(transfer_agency=None)


def _return(change: _Change) -> None:
    method = change.payload.get("method", "in_person")
    if method not in ("in_person", "post", "online"):
        raise ValidationFailed(
            _("Hình thức trả kết quả không hợp lệ."), fields={"method": "invalid"}
        )
    change.set(returned_at=change.at, closed_at=change.at)


def _close(change: _Change) -> None:
    change.set(closed_at=change.at, paused_at=None)
    _leave_workflow(change)


def _parse_moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationFailed(_("Thời điểm không hợp lệ."), fields={"at": "invalid"}) from error
    if moment.tzinfo is None:
        raise ValidationFailed(_("Thời điểm phải có múi giờ."), fields={"at": "invalid"})
    return moment


_EFFECTS: dict[str, Callable[[_Change], None]] = {
    Action.SUBMIT: _submit,
    Action.RECEIVE: _receive,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.PROVIDE_SUPPLEMENT: _provide_supplement,
    Action.REFUSE: _refuse,
    Action.FORWARD: _forward,
    Action.SEND_BACK: _send_back,
    Action.APPROVE: _approve,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.TRANSFER: _transfer,
    Action.TRANSFER_BACK: _transfer_back,
    Action.RETURN: _return,
    Action.WITHDRAW: _close,
    Action.CANCEL: _close,
}


def dossier_record(
    *,
    actor: User | None,
    dossier: Dossier,
    action: str,
    at: datetime | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """An event that does not change the state (an attachment, digitisation, an apology).

    Must be called inside the caller's transaction, after the caller checked permission. It
    locks the dossier, applies `changes` to flag fields (never `state`), moves the index
    counters by the change, bumps the version and appends the event.
    """
    if changes and "state" in changes:
        raise ValueError("dossier_record never changes the state; use dossier_transition.")
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency")
        .get(pk=dossier.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("Hồ sơ %(code)s vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại.")
            % {"code": locked.public_code}
        )
    moment = at or timezone.now()
    before = contributions(locked)
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*(changes or {}), "version", "updated_at"])
    counters_move(before, contributions(locked))
    last = locked.events.aggregate(seq=Max("seq"))
    event = DossierEvent.objects.create(
        dossier=locked,
        seq=(last["seq"] or 0) + 1,
        at=moment,
        actor=actor if actor and actor.pk else None,
        action=action,
        from_state=locked.state,
        to_state=locked.state,
        note=note,
        payload=_jsonable(payload or {}),
    )
    if _reachable(locked) and action in NOTIFY_APPLICANT_RECORDS:
        outbox_write(
            topic="dossier.notify", payload={"dossier_id": locked.pk, "event_id": event.pk}
        )
    return locked


def _reachable(dossier: Dossier) -> bool:
    """The applicant can hear from us: an account on the portal, or an email address given at
    the counter."""
    return bool(dossier.applicant_id or dossier.applicant_email)


NOTIFY_APPLICANT_RECORDS = frozenset({"apology", "result_attached"})
