"""The public view of a dossier (§10, §11): procedure, agency, state, dates and events —
never a name, an ID number, an address or a file."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from motcua.core.errors import NotFound
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State

EVENT_TEXT = {
    "create": "Hồ sơ được tạo",
    "import": "Hồ sơ được chuyển từ hệ thống cũ",
    "import_update": "Hồ sơ được cập nhật từ hệ thống cũ",
    "attach": "Bổ sung tài liệu",
    "reuse": "Sử dụng lại giấy tờ từ kho dữ liệu",
    "digitize": "Hồ sơ được số hóa",
    "apology": "Cơ quan gửi phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "result_drafted": "Dự thảo kết quả",
    # What `result_drafted` was called before: the same draft, in older histories.
    "result_attached": "Dự thảo kết quả",
    "result_signed": "Kết quả điện tử được ký số",
    "form_save": "Cập nhật tờ khai",
    "registry_lookup": "Khai thác thông tin từ CSDL quốc gia về dân cư",
    "ask_supplement": "Bộ phận xử lý đề nghị yêu cầu bổ sung",
    "pay": "Đã nộp phí, lệ phí",
    "rate": "Người nộp đánh giá mức độ hài lòng",
    "wait": "Chờ kết quả của hồ sơ liên thông",
    "wait_released": "Đã có kết quả hồ sơ liên thông cần chờ; hồ sơ được tiếp nhận giải quyết",
    **{a.value: str(a.label) for a in Action},
}


# An event a later capability adds without a label still reads as Vietnamese, not as code.
UPDATED = "Hồ sơ được cập nhật"

# The agency's own steps, left out of what the applicant sees ("my dossiers", `portal.mine`):
# a draft result is not a result.
INTERNAL_EVENTS = frozenset({"result_drafted", "result_attached", "ask_supplement"})

# Events that change no state but are milestones for whoever follows the dossier: the agency
# apologising with a new date, the fee paid, a bundle's dossier done waiting. Every other
# event recorded without a transition
# — the applicant's form saves, attachments, reuse from the data store, registry lookups, the
# counter's digitisation, a drafted or signed result before its approval, a proposed
# supplement request, the applicant's rating — is drafting or the agency's own work.
MILESTONE_RECORDS = frozenset({"apology", "pay", "wait_released"})


def public_milestones() -> Q:
    """The events anyone holding the code sees (§10): every change of state the lifecycle
    table made after the draft — submitted, received, processing started, supplement
    requested and provided, suspended and resumed, transferred and back, result ready,
    returned, refused, withdrawn, cancelled, and a dossier brought from the old system — and
    the `MILESTONE_RECORDS`. Not the steps within processing (`forward` and `send_back`
    between officers leave the state as it was), nor anything while the dossier was a draft."""
    moved = ~Q(from_state=F("to_state")) & ~Q(to_state=State.DRAFT)
    recorded = Q(action__in=MILESTONE_RECORDS) & ~Q(from_state=State.DRAFT)
    return moved | recorded


def dossier_public(code: str) -> dict[str, Any]:
    dossier = (
        Dossier.objects.select_related("procedure", "agency")
        .filter(Q(code=code) | Q(reference=code))
        .exclude(state=State.DRAFT)
        .first()
    )
    if dossier is None or not code:
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    events = list(
        dossier.events.filter(public_milestones()).order_by("seq").values_list("action", "at")
    )
    return {
        "code": dossier.public_code,
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name},
        "agency": {"code": dossier.agency.code, "name": dossier.agency.name},
        "state": dossier.state,
        "state_label": str(State(dossier.state).label),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "appointment_at": dossier.appointment_at,
        "finished_at": dossier.finished_at,
        "events": [
            {"action": action, "text": EVENT_TEXT.get(action, UPDATED), "at": at}
            for action, at in events
        ],
    }
