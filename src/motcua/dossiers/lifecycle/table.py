"""The lifecycle table: which action moves a dossier from which state to which, who may take
it, and which of them the applicant hears about. `transition` applies it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy

from motcua.catalog.models import WorkflowStep
from motcua.dossiers.models import Dossier, State


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


# Who.STEP holds the step's role in the agency the workflow names for the step, else in the
# dossier's own agency: checked when the actor acts and when the step is assigned.
def _step_agency_id(dossier: Dossier, step: WorkflowStep | None) -> int:
    return step.agency_id if step is not None and step.agency_id else dossier.agency_id


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

# Events recorded without a transition that the applicant hears about too. A result attached
# while processing is a draft: the applicant hears of it with the approval.
NOTIFY_APPLICANT_RECORDS = frozenset({"apology"})
