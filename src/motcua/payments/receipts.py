"""The electronic receipt (biên lai điện tử) of a paid fee, as a PDF with a QR code to the
public tracking page — in the style of the dossier letters (`dossiers/letters.py`).

It names the agency, the procedure and the payer as the payment recorded them when it was
created, not as they read today. Every text goes in through `plain`: names, notes and fee
lines are typed by people, and a Paragraph would read them as markup."""

from __future__ import annotations

from django.utils import timezone
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from motcua.core.errors import NotFound
from motcua.core.pdf import a4_pdf, grid, pdf_fonts, plain, qr_image
from motcua.dossiers.letters import tracking_url
from motcua.payments.models import Method, Payment, Status
from motcua.payments.words import vnd_in_words

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _line_text(line: dict) -> str:
    """The fee and, for a rate picked among alternatives, the category it was charged for."""
    if line.get("condition"):
        return f"{line['name']} (đối tượng: {line['condition']})"
    return str(line["name"])


def receipt_pdf(payment: Payment) -> bytes:
    if payment.status != Status.PAID or payment.paid_at is None:
        raise NotFound("Giao dịch chưa được thanh toán nên chưa có biên lai.")
    dossier = payment.dossier
    regular, bold = pdf_fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=11, leading=15)
    strong = ParagraphStyle("strong", parent=text, fontName=bold)
    head = ParagraphStyle("head", parent=text, fontName=bold, fontSize=14, alignment=1, leading=19)
    center = ParagraphStyle("center", parent=text, alignment=1)
    if payment.method == Method.ONLINE:
        method = f"{Method.ONLINE.label} qua {payment.gateway} (mã giao dịch {payment.gateway_txn})"
    else:
        method = str(Method(payment.method).label)
        if payment.note:
            method += f" ({payment.note})"
    paid_at = timezone.localtime(payment.paid_at).strftime("%H giờ %M, ngày %d/%m/%Y")
    facts = [
        ["Số biên lai", payment.receipt_no or ""],
        ["Mã giao dịch", payment.order_ref],
        ["Đơn vị thu", payment.agency_name],
        ["Người nộp", payment.payer_name],
        ["Hồ sơ", dossier.public_code],
        ["Thủ tục", f"{payment.procedure_name} ({payment.procedure_code})"],
        ["Hình thức thanh toán", method],
        ["Thời điểm thanh toán", paid_at],
    ]
    fees = [[plain("Khoản thu", strong), plain("Số tiền", strong)]]
    fees += [
        [plain(_line_text(line), text), plain(vnd(int(line["amount"])), text)]
        for line in payment.lines
    ]
    fees.append([plain("Tổng cộng", strong), plain(vnd(payment.amount), strong)])
    facts_table = grid([[plain(a, text), plain(b, text)] for a, b in facts], [50 * mm, 115 * mm])
    fees_table = grid(fees, [115 * mm, 50 * mm])
    officer = ""
    if payment.recorded_by is not None:
        officer = payment.recorded_by.full_name or payment.recorded_by.username
    story = [
        plain("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", center),
        plain("Độc lập - Tự do - Hạnh phúc", center),
        Spacer(1, 6 * mm),
        plain(TITLE, head),
        plain("(Biên lai điện tử)", center),
        Spacer(1, 4 * mm),
        facts_table,
        Spacer(1, 4 * mm),
        fees_table,
        Spacer(1, 3 * mm),
        plain(f"Số tiền bằng số: {vnd(payment.amount)}", text),
        plain(f"Số tiền bằng chữ: {vnd_in_words(payment.amount)}.", text),
        Spacer(1, 4 * mm),
        plain(f"Cán bộ thu: {officer}" if officer else "Thu qua cổng thanh toán.", text),
        Spacer(1, 4 * mm),
        qr_image(tracking_url(dossier)),
        plain(f"Tra cứu hồ sơ: {tracking_url(dossier)}", text),
    ]
    return a4_pdf(story, title=f"{TITLE} {payment.receipt_no}")
