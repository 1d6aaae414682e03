"""The actions offered on a dossier page: which ones this user may take now, their forms,
and carrying one out through its service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import WorkflowStep
from motcua.core.errors import (
    MotcuaError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.directory.models import Role, User
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import (
    ALLOWED,
    Action,
    Allowed,
    Record,
    Refusal,
    dossier_permissions,
    dossier_transition,
    workflow_steps_load,
)
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_ask_supplement, dossier_issue_apology
from motcua.esign import services as esign
from motcua.esign.certified_copy import certified_copy_prepare, certifies_copies, copy_sources
from motcua.esign.results import result_text_default
from motcua.office import forms_processing as f
from motcua.office import queues

APOLOGY = Record.APOLOGY
ATTACH_RESULT = "attach_result"
GENERATE_RESULT = "generate_result"
CERTIFY_COPY = "certify_copy"
SIGN_APPROVE = "sign_approve"
ASK_SUPPLEMENT = Record.ASK_SUPPLEMENT

# The page's actions that are not the lifecycle's own words: which rule answers for them.
# (Signing and approving is esign's: `esign.may_sign`.)
PERMISSION_OF: dict[str, str] = {
    ATTACH_RESULT: Record.RESULT_DRAFTED,
    GENERATE_RESULT: Record.RESULT_DRAFTED,
    CERTIFY_COPY: Record.RESULT_DRAFTED,
}

# URL slug → action key. Transitions use the lifecycle's action names.
SLUGS: dict[str, str] = {
    "chuyen-buoc": Action.FORWARD,
    "phe-duyet": Action.APPROVE,
    "ky-so-phe-duyet": SIGN_APPROVE,
    "tra-lai": Action.SEND_BACK,
    "de-nghi-bo-sung": ASK_SUPPLEMENT,
    "tam-dung": Action.SUSPEND,
    "tiep-tuc": Action.RESUME,
    "lien-thong": Action.TRANSFER,
    "nhan-lai": Action.TRANSFER_BACK,
    "ket-qua": ATTACH_RESULT,
    "tao-ket-qua": GENERATE_RESULT,
    "ban-sao-chung-thuc": CERTIFY_COPY,
    "tu-choi": Action.REFUSE,
    "xin-loi": APOLOGY,
}
SLUG_OF = {key: slug for slug, key in SLUGS.items()}

# Keyboard shortcuts (accesskey; Alt+key in Chrome and Edge, Alt+Shift+key in Firefox,
# docs/howto/processing.md). Forward, supplement and refuse keep the counter's letters (C, B, R);
# suspend and resume share T, since a dossier is never offered both. Never D, E or F: the
# browsers' address bar and menus. The queue's keys (S, H, J) and "back to the queue" (Q,
# BACK_TO_QUEUE_KEY) mean nothing here, so a habit from one page cannot act on a dossier.
ACCESSKEYS: dict[str, str] = {
    Action.FORWARD: "c",
    Action.APPROVE: "p",
    SIGN_APPROVE: "k",
    Action.SEND_BACK: "l",
    ASK_SUPPLEMENT: "b",
    Action.SUSPEND: "t",
    Action.RESUME: "t",
    Action.TRANSFER_BACK: "n",
    Action.REFUSE: "r",
}
BACK_TO_QUEUE_KEY = "q"

# --- 2. one dossier and its actions --------------------------------------------------------


@dataclass
class Block:
    """One action offered on the dossier page: a small form posting to its own URL."""

    key: str
    title: str
    button: str
    form: f.ActionForm
    hint: str = ""
    tone: str = ""
    open: bool = False
    multipart: bool = False
    accesskey: str = ""

    @property
    def slug(self) -> str:
        return SLUG_OF[self.key]

    @property
    def button_key(self) -> str:
        """A primary action (its form open, nothing to fill in) is done by its shortcut, as
        at the counter; the others' shortcut opens the form (the summary)."""
        return self.accesskey if self.tone == "primary" else ""

    @property
    def summary_key(self) -> str:
        return "" if self.tone == "primary" else self.accesskey


@dataclass
class Context:
    """What the dossier page needs to decide which actions to offer: the lifecycle's answer
    (`dossier_permissions`) for this user and this dossier, and the workflow's steps."""

    dossier: Dossier
    user: User
    permissions: dict[str, Allowed | Refusal]
    steps: list[WorkflowStep]

    @property
    def actions(self) -> list[str]:
        return [key for key, answer in self.permissions.items() if answer.allowed]

    @property
    def holds_step(self) -> bool:
        """The user holds the current step (so may act on the dossier's content)."""
        return self.permissions[Record.RESULT_DRAFTED].allowed

    @property
    def at_last_step(self) -> bool:
        current = self.dossier.current_step
        return current is not None and bool(self.steps) and current == self.steps[-1]

    @property
    def next_step(self) -> WorkflowStep | None:
        return queues.next_step(self.dossier, self.steps)

    @property
    def previous_step(self) -> WorkflowStep | None:
        return queues.previous_step(self.dossier, self.steps)

    def _answer(self, key: str) -> Allowed | Refusal:
        if key == SIGN_APPROVE:
            if esign.may_sign(self.user, self.dossier):
                return ALLOWED
            if self.dossier.state != State.IN_PROGRESS:
                return Refusal.of(
                    TransitionNotAllowed(
                        _("Hồ sơ không ở bước phê duyệt nên không thể ký số kết quả.")
                    )
                )
            return Refusal.of(
                PermissionDenied(
                    _(
                        "Chỉ lãnh đạo được giao bước phê duyệt của hồ sơ được ký số và phê duyệt "
                        "kết quả."
                    )
                )
            )
        if key == CERTIFY_COPY and not certifies_copies(self.dossier.procedure):
            return Refusal.of(
                ValidationFailed(_("Thủ tục của hồ sơ này không cấp bản sao điện tử chứng thực."))
            )
        if key == Action.RETURN:
            # The counter's page returns results (office:counter_return).
            return Refusal.of(
                TransitionNotAllowed(_("Kết quả được trả tại trang trả kết quả của một cửa."))
            )
        return self.permissions[PERMISSION_OF.get(key, key)]

    def offers(self, key: str) -> bool:
        return self._answer(key).allowed

    def refuse(self, key: str) -> MotcuaError:
        """Why `key` is not offered: the lifecycle's own refusal."""
        answer = self._answer(key)
        assert isinstance(answer, Refusal)
        return answer.error


def action_context(dossier: Dossier, user: User) -> Context:
    workflow_steps_load(dossier)
    return Context(
        dossier=dossier,
        user=user,
        permissions=dossier_permissions(user, dossier),
        # Read once with the permissions (the guards walk the same steps).
        steps=sorted(dossier.procedure.steps.all(), key=lambda step: step.position),
    )


def action_form(key: str, ctx: Context, data: Any = None, files: Any = None) -> f.ActionForm:
    dossier = ctx.dossier
    if key == Action.FORWARD:
        return f.ForwardForm(
            data,
            dossier=dossier,
            key=key,
            candidates=queues.step_candidates(dossier, ctx.next_step),
        )
    classes: dict[str, type[f.ActionForm]] = {
        Action.SEND_BACK: f.SendBackForm,
        ASK_SUPPLEMENT: f.AskSupplementForm,
        Action.SUSPEND: f.SuspendForm,
        Action.TRANSFER: f.TransferForm,
        ATTACH_RESULT: f.ResultForm,
        Action.REFUSE: f.RefuseForm,
        APOLOGY: f.ApologyForm,
    }
    if key == GENERATE_RESULT:
        return f.GenerateResultForm(
            data, dossier=dossier, key=key, initial={"text": result_text_default(dossier)}
        )
    if key == SIGN_APPROVE:
        return f.SignApproveForm(
            data, dossier=dossier, key=key, documents=esign.signable_results(dossier)
        )
    if key == CERTIFY_COPY:
        return f.CertifyCopyForm(data, dossier=dossier, key=key, documents=copy_sources(dossier))
    form_class = classes.get(key, f.NoteForm)
    if form_class is f.ResultForm:
        return form_class(data, files, dossier=dossier, key=key)
    return form_class(data, dossier=dossier, key=key)


def apology_initial(dossier: Dossier, calendar: Any, now: Any) -> dict[str, str]:
    """Suggest one working day after the later of now and the original due moment."""
    start = max(now, dossier.due_at)
    moment = timezone.localtime(calendar.add(start, queues.DUE_SOON))
    return {"new_date": f"{moment:%d/%m/%Y}", "new_time": f"{moment:%H:%M}"}


def action_blocks(ctx: Context, bound: f.ActionForm | None, bound_key: str) -> list[Block]:
    nxt, prev = ctx.next_step, ctx.previous_step
    specs: list[tuple[str, str, str, str, str]] = [
        (
            Action.FORWARD,
            _("Chuyển bước tiếp theo: %(step)s") % {"step": nxt.name} if nxt else "",
            _("Chuyển bước"),
            _("Hồ sơ chuyển sang bước “%(step)s” (%(role)s).")
            % {"step": nxt.name, "role": Role(nxt.role).label}
            if nxt
            else "",
            "primary",
        ),
        (
            SIGN_APPROVE,
            _("Ký số và phê duyệt kết quả"),
            _("Ký số và phê duyệt"),
            _(
                "Kết quả PDF được ký bằng chứng thư số của cơ quan (có mã QR xác thực), lưu vào "
                "kho dữ liệu của người nộp, và hồ sơ chuyển sang “Đã có kết quả”."
            ),
            "primary",
        ),
        (
            Action.APPROVE,
            _("Phê duyệt kết quả"),
            _("Phê duyệt"),
            _("Hồ sơ chuyển sang “Đã có kết quả”; bộ phận một cửa trả kết quả cho người nộp."),
            "primary",
        ),
        (
            Action.SEND_BACK,
            _("Trả lại bước trước: %(step)s") % {"step": prev.name} if prev else "",
            _("Trả lại"),
            "",
            "",
        ),
        (
            ATTACH_RESULT,
            _("Đính kèm kết quả giải quyết"),
            _("Đính kèm"),
            _("Tệp PDF, JPEG hoặc PNG; kết quả điện tử được lưu cùng hồ sơ."),
            "",
        ),
        (
            GENERATE_RESULT,
            _("Tạo kết quả từ mẫu"),
            _("Tạo kết quả PDF"),
            _("Văn bản kết quả theo mẫu của thủ tục; lãnh đạo ký số khi phê duyệt."),
            "",
        ),
        (
            CERTIFY_COPY,
            _("Chứng thực bản sao điện tử từ bản chính"),
            _("Tạo bản sao chứng thực"),
            _(
                "Đã đối chiếu bản quét với bản chính: bản sao gồm các trang đã quét và lời chứng; "
                "lãnh đạo ký số khi phê duyệt, bản sao vào kho dữ liệu của người yêu cầu."
            ),
            "",
        ),
        (
            ASK_SUPPLEMENT,
            _("Đề nghị bộ phận một cửa yêu cầu bổ sung"),
            _("Gửi đề nghị"),
            _(
                "Cán bộ một cửa gửi yêu cầu bổ sung cho người nộp; thời hạn chỉ tạm dừng khi "
                "một cửa gửi yêu cầu."
            ),
            "",
        ),
        (
            Action.SUSPEND,
            _("Tạm dừng xử lý"),
            _("Tạm dừng"),
            _("Thời hạn giải quyết tạm dừng cho đến khi tiếp tục xử lý."),
            "",
        ),
        (Action.RESUME, _("Tiếp tục xử lý"), _("Tiếp tục"), "", "primary"),
        (
            Action.TRANSFER,
            _("Chuyển liên thông sang cơ quan khác"),
            _("Chuyển liên thông"),
            "",
            "",
        ),
        (
            Action.TRANSFER_BACK,
            _("Nhận lại hồ sơ liên thông"),
            _("Nhận lại"),
            _("Khi cơ quan nhận liên thông đã giải quyết xong phần việc của mình."),
            "primary",
        ),
        (Action.REFUSE, _("Từ chối giải quyết"), _("Từ chối"), "", "danger"),
    ]
    blocks = []
    used = {BACK_TO_QUEUE_KEY}
    for key, title, button, hint, tone in specs:
        if not ctx.offers(key):
            continue
        accesskey = ACCESSKEYS.get(key, "")
        if accesskey in used:  # unique per page, whatever the table allows one day
            accesskey = ""
        used.add(accesskey)
        form = bound if bound is not None and bound_key == key else action_form(key, ctx)
        blocks.append(
            Block(
                key=key,
                title=title,
                button=button,
                form=form,
                hint=hint,
                tone=tone,
                open=tone == "primary" or bound_key == key,
                multipart=key == ATTACH_RESULT,
                accesskey=accesskey,
            )
        )
    return blocks


def action_apply(key: str, user: User, dossier: Dossier, form: f.ActionForm) -> str:
    """Carry out one action through its service; the success message."""
    data = form.cleaned_data
    version = data["version"]
    if key == ASK_SUPPLEMENT:
        dossier_ask_supplement(
            actor=user, dossier=dossier, note=data["note"], expected_version=version
        )
        return _("Đã gửi đề nghị tới bộ phận một cửa. Cán bộ một cửa sẽ yêu cầu người nộp bổ sung.")
    if key == ATTACH_RESULT:
        document_attach(
            actor=user,
            dossier=dossier,
            upload=data["file"],
            kind=DossierDocument.Kind.RESULT,
            expected_version=version,
        )
        return _("Đã đính kèm kết quả giải quyết.")
    if key == GENERATE_RESULT:
        esign.result_generate(
            actor=user, dossier=dossier, text=data["text"], expected_version=version
        )
        return _("Đã tạo kết quả từ mẫu và đính kèm vào hồ sơ.")
    if key == CERTIFY_COPY:
        certified_copy_prepare(
            actor=user,
            dossier=dossier,
            source=data["document"],
            original_name=data["original_name"],
            expected_version=version,
        )
        return _("Đã tạo bản sao điện tử chứng thực và đính kèm làm kết quả; chờ lãnh đạo ký số.")
    if key == SIGN_APPROVE:
        esign.result_sign_and_approve(
            actor=user,
            dossier=dossier,
            document=data["document"],
            note=data["note"],
            expected_version=version,
        )
        return _("Đã ký số kết quả và phê duyệt hồ sơ.")
    if key == APOLOGY:
        assert isinstance(form, f.ApologyForm)
        dossier_issue_apology(
            actor=user,
            dossier=dossier,
            new_appointment=form.new_appointment(),
            reason=data["reason"],
            expected_version=version,
        )
        return _("Đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả cho người nộp.")
    payload: dict[str, Any] = {}
    note = data.get("note", "") or ""
    if key == Action.FORWARD and data.get("assignee"):
        payload["assignee"] = data["assignee"]
    elif key in (Action.SEND_BACK, Action.REFUSE):
        payload["reason"] = note = data["reason"]
    elif key == Action.SUSPEND:
        payload = {"kind": data["kind"], "reason": data["reason"]}
        note = data["reason"]
    elif key == Action.TRANSFER:
        payload["agency"] = data["agency"].code
    dossier_transition(
        actor=user,
        dossier=dossier,
        action=key,
        payload=payload,
        note=note,
        expected_version=version,
    )
    return _("Đã thực hiện: %(action)s.") % {"action": Action(key).label}
