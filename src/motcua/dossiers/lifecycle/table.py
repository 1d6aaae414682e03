"""The lifecycle table: which action moves a dossier from which state to which, who may take
it, and which of them the applicant hears about. `transition` applies it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
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
    # Any role in the dossier's agency or in its current step's agency.
    AGENCY_STAFF = "agency_staff", gettext_lazy("cán bộ của cơ quan giải quyết")
    # The person the dossier names, signed in with the account VNeID verified for that
    # personal ID, while the dossier has no account yet (a walk-in, an imported dossier).
    HOLDER = "holder", gettext_lazy("người có tên trong hồ sơ")


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
NOTIFY_APPLICANT_RECORDS = frozenset({"apology"})  # Record.APOLOGY, defined below


StrOrPromise = str | Promise


class Record(models.TextChoices):
    """Every event that changes no state: the `DossierEvent.action` it writes. With `Action`,
    the whole vocabulary of what may happen to a dossier; no free strings."""

    CREATE = "create", gettext_lazy("Tạo hồ sơ")
    FORM_SAVE = "form_save", gettext_lazy("Lưu tờ khai")
    ATTACH = "attach", gettext_lazy("Đính kèm giấy tờ")
    REUSE = "reuse", gettext_lazy("Sử dụng lại kết quả đã cấp")
    DIGITIZE = "digitize", gettext_lazy("Số hóa hồ sơ")
    REGISTRY_LOOKUP = "registry_lookup", gettext_lazy("Tra cứu cơ sở dữ liệu dân cư")
    APOLOGY = "apology", gettext_lazy("Gửi phiếu xin lỗi và hẹn lại")
    RESULT_DRAFTED = "result_drafted", gettext_lazy("Đính kèm kết quả giải quyết")
    RESULT_SIGNED = "result_signed", gettext_lazy("Ký số kết quả")
    ASK_SUPPLEMENT = "ask_supplement", gettext_lazy("Đề nghị yêu cầu bổ sung")
    PAY = "pay", gettext_lazy("Nộp phí, lệ phí")
    RATE = "rate", gettext_lazy("Đánh giá mức độ hài lòng")
    LINK_ACCOUNT = "link_account", gettext_lazy("Gắn với tài khoản định danh điện tử")
    # A bundle's dossier that needs another's result (`Dossier.waits_for`), and the moment
    # that result came (or the other ended and the bundle's rule lets this one go on).
    WAIT = "wait", gettext_lazy("Chờ kết quả của hồ sơ liên thông")
    WAIT_RELEASED = "wait_released", gettext_lazy("Hết chờ kết quả hồ sơ liên thông")


@dataclass(frozen=True)
class RecordRule:
    """Who may record the event, in which states (per kind of actor: an applicant edits less
    than the counter). An actor who is one of `who` but meets the dossier in a state none of
    them may act in is told `not_now` (else the generic "not in this state"); anyone else is
    told `denied` (else the generic "not yours to do"). `%(state)s` and `%(code)s` are
    filled in. A kind listed with no states only selects who hears `not_now`."""

    who: dict[str, frozenset[str]]
    denied: StrOrPromise = ""
    not_now: StrOrPromise = ""
    not_now_code: str = "transition_not_allowed"


_ALL_STATES = frozenset(State.values)
_EDITABLE = frozenset({State.DRAFT, State.SUPPLEMENT_REQUESTED})
# Received and not yet finished: where a late dossier may still be apologised for.
_OPEN_AFTER_RECEPTION = frozenset(
    {
        State.RECEIVED,
        State.IN_PROGRESS,
        State.SUPPLEMENT_REQUESTED,
        State.SUSPENDED,
        State.TRANSFERRED,
    }
)

RECORD_RULES: dict[str, RecordRule] = {
    Record.FORM_SAVE: RecordRule(
        {Who.OWNER: frozenset({State.DRAFT})},
        denied=gettext_lazy("Chỉ người nộp được sửa tờ khai của hồ sơ này."),
        not_now=gettext_lazy("Hồ sơ %(code)s đã nộp; không sửa tờ khai được nữa."),
        not_now_code="not_draft",
    ),
    # The applicant's papers while the dossier is theirs to edit; the counter's scans at any
    # time (the kind of file narrows it further: `documents._attach_refusal`).
    Record.ATTACH: RecordRule(
        {Who.OWNER: _EDITABLE, Who.RECEPTION: _ALL_STATES},
        denied=gettext_lazy("Bạn không được đính kèm tài liệu này vào hồ sơ."),
    ),
    Record.REUSE: RecordRule(
        {Who.OWNER: _EDITABLE, Who.RECEPTION: _ALL_STATES},
        denied=gettext_lazy("Bạn không được sử dụng lại tài liệu cho hồ sơ này."),
    ),
    Record.DIGITIZE: RecordRule(
        {Who.RECEPTION: _ALL_STATES},
        denied=gettext_lazy("Chỉ cán bộ một cửa của cơ quan được số hóa hồ sơ."),
    ),
    Record.REGISTRY_LOOKUP: RecordRule({Who.RECEPTION: frozenset({State.DRAFT})}),
    Record.APOLOGY: RecordRule(
        {Who.AGENCY_STAFF: _OPEN_AFTER_RECEPTION},
        denied=gettext_lazy("Chỉ cán bộ của cơ quan giải quyết được gửi phiếu xin lỗi."),
        not_now=gettext_lazy("Chỉ gửi phiếu xin lỗi cho hồ sơ đang giải quyết."),
        not_now_code="invalid",
    ),
    Record.RESULT_DRAFTED: RecordRule(
        {Who.STEP: frozenset({State.IN_PROGRESS}), Who.PROCESSING: frozenset()},
        denied=gettext_lazy(
            "Chỉ cán bộ được giao bước xử lý hiện tại được đính kèm kết quả cho hồ sơ này."
        ),
        not_now=gettext_lazy(
            "Chỉ đính kèm kết quả khi hồ sơ đang được xử lý; hồ sơ đang ở trạng thái “%(state)s”."
        ),
        not_now_code="invalid",
    ),
    Record.RESULT_SIGNED: RecordRule({Who.STEP: frozenset({State.IN_PROGRESS})}),
    Record.ASK_SUPPLEMENT: RecordRule(
        {
            Who.STEP: frozenset({State.IN_PROGRESS}),
            Who.PROCESSING: frozenset(),
            Who.RECEPTION: frozenset(),
            Who.OWNER: frozenset(),
        },
        denied=gettext_lazy(
            "Chỉ cán bộ được giao bước xử lý hiện tại được đề nghị yêu cầu bổ sung."
        ),
        not_now=gettext_lazy(
            "Chỉ đề nghị bổ sung khi hồ sơ đang được xử lý; hồ sơ đang ở trạng thái “%(state)s”."
        ),
    ),
    # Payments keep their own finer rules (payments/services: what is owed, by which channel).
    Record.PAY: RecordRule(
        {Who.OWNER: _ALL_STATES - {State.DRAFT}, Who.RECEPTION: _ALL_STATES - {State.DRAFT}}
    ),
    Record.LINK_ACCOUNT: RecordRule(
        {Who.HOLDER: _ALL_STATES - {State.DRAFT}},
        denied=gettext_lazy("Hồ sơ này không mang số định danh của tài khoản đã xác thực."),
    ),
    # Set by the applicant's own bundle submission, on the dossier it has just submitted.
    Record.WAIT: RecordRule(
        {Who.OWNER: frozenset({State.SUBMITTED})},
        denied=gettext_lazy("Chỉ người nộp hồ sơ liên thông được đặt hồ sơ chờ."),
    ),
    Record.RATE: RecordRule(
        {Who.OWNER: frozenset({State.RESULT_READY, State.RETURNED})},
        denied=gettext_lazy("Chỉ người nộp hồ sơ được đánh giá mức độ hài lòng."),
        not_now=gettext_lazy(
            "Chỉ đánh giá được khi hồ sơ đã có kết quả; hồ sơ đang ở trạng thái “%(state)s”."
        ),
    ),
}
