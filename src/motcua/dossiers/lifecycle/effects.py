"""The effect of each action on the dossier's derived fields: the clock, the workflow step, the
code, the closing moments (domain.md §5–§7).

Each action has up to three parts, run in this order by `transition_apply` on the locked row:
its guard (`_GUARDS`: may the dossier as it is now take it — the page asks the same question
through `dossier_permissions`), its input check (`_INPUTS`: what the actor posted), and its
effect (`_EFFECTS`: the writes, which never refuse)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.models import WorkflowStep
from motcua.core.calendar import working_calendar
from motcua.core.errors import MotcuaError, TransitionNotAllowed, ValidationFailed
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.codes import dossier_code_next
from motcua.dossiers.lifecycle.table import Action, _step_agency_id
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.store import store_sync_for_dossier


@dataclass
class _Change:
    """The dossier being changed and the context of the action; `set` collects the field names
    so that the save writes only those."""

    dossier: Dossier
    actor: User | None
    action: str
    at: datetime
    payload: dict[str, Any]
    fields: set[str]

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """The agency's working calendar, read only by the effects that move a due date (a
        submission or a withdrawal never reads the calendar's overrides)."""
        return working_calendar(self.dossier.agency.office_hours)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.dossier, name, value)
            self.fields.add(name)


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


def _receive_guard(dossier: Dossier) -> MotcuaError | None:
    """A bundle's dossier waiting for another's result is not received — its clock does not
    start — until the wait is released (`waits.waits_follow`)."""
    if dossier.waits_for_id is not None and dossier.wait_released_at is None:
        waited = Dossier.objects.filter(pk=dossier.waits_for_id).only("code", "reference").get()
        return TransitionNotAllowed(
            _(
                "Hồ sơ liên thông đang chờ kết quả của hồ sơ %(code)s; chỉ tiếp nhận khi đã có "
                "kết quả đó."
            )
            % {"code": waited.public_code}
        )
    return None


def _request_supplement_input(change: _Change) -> None:
    # The applicant is told exactly what to bring: a request lists at least one paper.
    missing = change.payload.get("missing")
    if not missing or not isinstance(missing, list) or not all(str(m).strip() for m in missing):
        raise ValidationFailed(
            _("Phải liệt kê giấy tờ cần bổ sung."), fields={"missing": "required"}
        )
    due = change.payload.get("supplement_due_at")
    if due:
        _parse_moment(due)


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


def _refuse_input(change: _Change) -> None:
    if not change.payload.get("reasons") and not change.payload.get("reason"):
        raise ValidationFailed(_("Phải nêu rõ lý do từ chối."), fields={"reason": "required"})


def _refuse(change: _Change) -> None:
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
    assignee_id = _assignee_id(change)
    change.payload.pop("assignee", None)
    if assignee_id is not None:
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


def _next_step(dossier: Dossier) -> WorkflowStep | None:
    steps = list(dossier.procedure.steps.all())
    current = dossier.current_step
    later = [s for s in steps if current is None or s.position > current.position]
    return later[0] if later else None


def _previous_step(dossier: Dossier) -> WorkflowStep | None:
    current = dossier.current_step
    earlier = [
        s for s in dossier.procedure.steps.all() if current and s.position < current.position
    ]
    return earlier[-1] if earlier else None


def _forward_guard(dossier: Dossier) -> MotcuaError | None:
    if not list(dossier.procedure.steps.all()):
        return TransitionNotAllowed(
            _("Thủ tục này chưa có quy trình nội bộ; quản trị cần khai báo các bước xử lý.")
        )
    if _next_step(dossier) is None:
        return TransitionNotAllowed(
            _("Đây là bước cuối của quy trình: hãy phê duyệt hoặc từ chối thay vì chuyển bước.")
        )
    return None


def _send_back_guard(dossier: Dossier) -> MotcuaError | None:
    if _previous_step(dossier) is None:
        return TransitionNotAllowed(
            _("Hồ sơ đang ở bước đầu tiên, không có bước trước để trả lại.")
        )
    return None


def _approve_guard(dossier: Dossier) -> MotcuaError | None:
    current = dossier.current_step
    steps = list(dossier.procedure.steps.all())
    if current is None or not steps or current.position != steps[-1].position:
        return TransitionNotAllowed(
            _("Chỉ phê duyệt kết quả ở bước cuối của quy trình; hãy chuyển bước trước.")
        )
    return None


def _assignee_id(change: _Change) -> Any:
    assignee = change.payload.get("assignee")
    return assignee.pk if isinstance(assignee, User) else assignee


def _assignee_check(change: _Change, step: WorkflowStep | None) -> None:
    assignee_id = _assignee_id(change)
    if assignee_id is None or step is None:
        return
    agency_id = _step_agency_id(change.dossier, step)
    candidate = User.objects.filter(pk=assignee_id).first()
    if candidate is None or not user_has_role(candidate, step.role, agency_id):
        raise ValidationFailed(
            _("Người được giao không giữ vai trò %(role)s tại cơ quan của bước này.")
            % {"role": Role(step.role).label},
            fields={"assignee": "invalid"},
        )


def _forward_input(change: _Change) -> None:
    _assignee_check(change, _next_step(change.dossier))


def _send_back_input(change: _Change) -> None:
    if not change.payload.get("reason") and not change.payload.get("note"):
        raise ValidationFailed(_("Phải ghi rõ lý do trả lại."), fields={"reason": "required"})
    _assignee_check(change, _previous_step(change.dossier))


def _forward(change: _Change) -> None:
    step = _next_step(change.dossier)
    assert step is not None  # _forward_guard
    _enter_step(change, step)


def _send_back(change: _Change) -> None:
    step = _previous_step(change.dossier)
    assert step is not None  # _send_back_guard
    _enter_step(change, step)


def _approve(change: _Change) -> None:
    change.set(finished_at=change.at)
    if change.dossier.documents.filter(kind=DossierDocument.Kind.RESULT).exists():
        # Approval issues the result attached while processing: from now on it is the
        # applicant's e-result and is in their data store (§7 `e_results`, `results_to_store`),
        # counted in this transaction with the finish.
        change.set(e_result=True, result_to_store=bool(change.dossier.applicant_id_number))
        store_sync_for_dossier(change.dossier, at=change.at)
    _leave_workflow(change)


def _suspend_input(change: _Change) -> None:
    kind = change.payload.get("kind", Dossier.SuspendKind.OTHER)
    if kind not in (Dossier.SuspendKind.FINANCIAL, Dossier.SuspendKind.OTHER):
        raise ValidationFailed(_("Loại tạm dừng không hợp lệ."), fields={"kind": "invalid"})
    if not change.payload.get("reason"):
        raise ValidationFailed(_("Phải ghi rõ lý do tạm dừng."), fields={"reason": "required"})


def _suspend(change: _Change) -> None:
    change.set(suspend_kind=change.payload.get("kind", Dossier.SuspendKind.OTHER))
    _pause(change)


def _resume(change: _Change) -> None:
    _unpause(change)
    change.set(suspend_kind=Dossier.SuspendKind.NONE)


def _transfer_target(change: _Change) -> Agency | None:
    code = change.payload.get("agency")
    return Agency.objects.filter(code=code).first() if code else None


def _transfer_input(change: _Change) -> None:
    target = _transfer_target(change)
    if target is None or target.pk == change.dossier.agency_id:
        raise ValidationFailed(
            _("Phải chọn cơ quan nhận liên thông khác cơ quan đang giải quyết."),
            fields={"agency": "invalid"},
        )


def _transfer(change: _Change) -> None:
    change.set(transfer_agency=_transfer_target(change), state_before_pause=change.dossier.state)


def _transfer_back(change: _Change) -> None:
    change.payload["from_agency"] = change.dossier.transfer_agency.code  # type: ignore[union-attr]
    change.set(transfer_agency=None)


def _return_input(change: _Change) -> None:
    method = change.payload.get("method", "in_person")
    if method not in ("in_person", "post", "online"):
        raise ValidationFailed(
            _("Hình thức trả kết quả không hợp lệ."), fields={"method": "invalid"}
        )
    if method == "online" and not (change.dossier.e_result and change.dossier.result_to_store):
        # Electronic delivery is the issued e-result in the applicant's data store.
        raise ValidationFailed(
            _(
                "Hồ sơ không có kết quả điện tử trong kho dữ liệu của người nộp: hãy trả "
                "trực tiếp hoặc qua bưu chính."
            ),
            fields={"method": "no_e_result"},
        )


def _return(change: _Change) -> None:
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

# May the dossier as it is now take the action (whoever asks)? Read by the transition and by
# `dossier_permissions`, so the page's refusal is the transition's own.
_GUARDS: dict[str, Callable[[Dossier], MotcuaError | None]] = {
    Action.RECEIVE: _receive_guard,
    Action.FORWARD: _forward_guard,
    Action.SEND_BACK: _send_back_guard,
    Action.APPROVE: _approve_guard,
}

# Is what the actor posted enough to take it? Raises; runs before any write.
_INPUTS: dict[str, Callable[[_Change], None]] = {
    Action.REQUEST_SUPPLEMENT: _request_supplement_input,
    Action.REFUSE: _refuse_input,
    Action.FORWARD: _forward_input,
    Action.SEND_BACK: _send_back_input,
    Action.SUSPEND: _suspend_input,
    Action.TRANSFER: _transfer_input,
    Action.RETURN: _return_input,
}
