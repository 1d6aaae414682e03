"""The PDFs an applicant holds (§6): the receipt-and-appointment slip, the supplement
request, the refusal letter and the apology letter, each with a QR code to the public
tracking page. Rendered on demand from the dossier and its events, so a letter always says
what the record says. Every text goes in through `plain`: names, reasons and the missing
papers are typed by people, and a Paragraph would read them as markup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from motcua.catalog.coverage import documents_covered_in
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import NotFound
from motcua.core.http import public_url
from motcua.core.pdf import a4_pdf, grid, pdf_fonts, plain, qr_image
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent

TITLES = {
    "receipt": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "supplement": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "refusal": "PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ",
    "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
}
EVENT_OF = {
    "receipt": "receive",
    "supplement": "request_supplement",
    "refusal": "refuse",
    "apology": "apology",
}


def tracking_url(dossier: Dossier) -> str:
    return public_url(f"/tra-cuu/{dossier.public_code}/")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%H giờ %M, ngày %d/%m/%Y")


def documents_received(dossier: Dossier, payload: dict[str, Any]) -> list[str]:
    """The papers the receipt lists: those ticked at reception (`received_documents` in the
    event); for a reception recorded without the checklist, the required documents (reception
    means the officer had them) and the optional ones with a file. A document the filled
    e-form replaces is named as the e-form."""
    documents: list[RequiredDocument] = list(dossier.procedure.documents.all())
    covered = (
        set(payload["covered_documents"])
        if "covered_documents" in payload
        else documents_covered_in(dossier, documents)
    )
    if "received_documents" in payload:
        ticked = set(payload["received_documents"])
    else:
        with_file = set(
            dossier.documents.exclude(kind=DossierDocument.Kind.RESULT).values_list(
                "required_document_id", flat=True
            )
        )
        ticked = {d.pk for d in documents if not d.optional or d.pk in with_file} | covered
    return [
        f"{d.name} (tờ khai điện tử)" if d.pk in covered else d.name
        for d in documents
        if d.pk in ticked
    ]


def letter_kinds(dossier: Dossier) -> list[str]:
    """The letters this dossier has, in the order they were issued."""
    actions = set(dossier.events.values_list("action", flat=True))
    return [kind for kind, action in EVENT_OF.items() if action in actions]


def letter_pdf(dossier: Dossier, kind: str) -> bytes:
    if kind not in TITLES:
        raise NotFound("Không có loại văn bản này.")
    event = (
        DossierEvent.objects.filter(dossier=dossier, action=EVENT_OF[kind])
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    if event is None:
        raise NotFound("Hồ sơ chưa có văn bản này.")
    regular, bold = pdf_fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=11, leading=15)
    head = ParagraphStyle("head", parent=text, fontName=bold, fontSize=13, alignment=1, leading=18)
    center = ParagraphStyle("center", parent=text, alignment=1)
    payload = event.payload or {}
    rows = [
        ["Cơ quan giải quyết", dossier.agency.name],
        ["Mã hồ sơ", dossier.public_code],
        ["Thủ tục", f"{dossier.procedure.name} ({dossier.procedure.code})"],
        ["Người nộp", dossier.applicant_name],
        ["Thời điểm", _when(event.at)],
    ]
    body: list[str] = []
    if kind == "receipt":
        received = documents_received(dossier, payload)
        rows.append(["Hẹn trả kết quả", _when(dossier.due_at)])
        body.append("Thành phần hồ sơ đã nhận:")
        body += [f"{i}. {name}" for i, name in enumerate(received, start=1)] or ["(không có)"]
    elif kind == "supplement":
        body.append("Đề nghị bổ sung, hoàn thiện các giấy tờ sau:")
        body += [f"{i}. {m}" for i, m in enumerate(payload.get("missing", []), start=1)]
        if payload.get("supplement_due_at"):
            body.append(
                f"Thời hạn bổ sung: {_when(datetime.fromisoformat(payload['supplement_due_at']))}"
            )
        body.append("Thời gian chờ bổ sung không tính vào thời hạn giải quyết.")
    elif kind == "refusal":
        body.append(f"Lý do từ chối: {payload.get('reason') or payload.get('reasons') or ''}")
    elif kind == "apology":
        rows.append(["Hạn trả ban đầu", _when(dossier.due_at)])
        rows.append(["Hẹn lại ngày trả", _when(datetime.fromisoformat(payload["new_appointment"]))])
        body.append(f"Lý do chậm trễ: {payload.get('reason', '')}")
        body.append(
            f"{dossier.agency.name} xin lỗi ông/bà vì sự chậm trễ này và hẹn trả kết "
            "quả vào thời điểm trên."
        )
    officer = (event.actor.full_name or event.actor.username) if event.actor else ""
    table = grid([[plain(a, text), plain(b, text)] for a, b in rows], [45 * mm, 120 * mm])
    story = [
        plain("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", center),
        plain("Độc lập - Tự do - Hạnh phúc", center),
        Spacer(1, 6 * mm),
        plain(TITLES[kind], head),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        *[plain(line, text) for line in body],
        Spacer(1, 6 * mm),
        plain(f"Cán bộ: {officer}", text),
        Spacer(1, 4 * mm),
        qr_image(tracking_url(dossier)),
        plain(f"Tra cứu: {tracking_url(dossier)}", text),
    ]
    return a4_pdf(story, title=f"{TITLES[kind]} {dossier.public_code}")
