"""What a notification says: what happened to the dossier and what the applicant should do,
in plain Vietnamese. Only the dossier code, the procedure, the agency and what the event
carries for the applicant (documents to add, a reason, a date) — never a name, an ID number
or an address (§10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.http import public_url
from motcua.dossiers.models import Dossier, DossierEvent


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _at(value: Any) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y")


def dossier_page_url(dossier: Dossier) -> str:
    return public_url(reverse("portal:mine_detail", args=[dossier.public_code]))


def _reason(payload: dict[str, Any]) -> str:
    reason = payload.get("reason") or payload.get("reasons") or ""
    return "; ".join(reason) if isinstance(reason, list) else str(reason)


def message_for(dossier: Dossier, event: DossierEvent) -> Message:
    payload = event.payload or {}
    code = dossier.public_code
    about = _("Hồ sơ %(code)s — %(procedure)s (%(agency)s).") % {
        "code": code,
        "procedure": dossier.procedure.name,
        "agency": dossier.agency.name,
    }
    action = event.action
    lines: list[str]
    if action == "receive":
        title = _("Hồ sơ %(code)s đã được tiếp nhận") % {"code": code}
        lines = [_("Cơ quan đã tiếp nhận hồ sơ lúc %(at)s.") % {"at": _at(event.at)}]
        if dossier.due_at:
            lines.append(_("Hẹn trả kết quả: %(at)s.") % {"at": _at(dossier.due_at)})
        lines.append(_("Bạn không cần làm gì thêm; hãy theo dõi tiến độ trên Cổng dịch vụ công."))
    elif action == "request_supplement":
        title = _("Hồ sơ %(code)s cần bổ sung giấy tờ") % {"code": code}
        lines = [_("Cơ quan đề nghị bổ sung, hoàn thiện các giấy tờ sau:")]
        lines += [f"{i}. {doc}" for i, doc in enumerate(payload.get("missing", []), start=1)]
        if payload.get("supplement_due_at"):
            lines.append(
                _("Hạn nộp bổ sung: %(at)s. Quá hạn này hồ sơ có thể bị hủy.")
                % {"at": _at(payload["supplement_due_at"])}
            )
        lines.append(
            _(
                "Hãy nộp bổ sung trực tuyến tại trang Hồ sơ của tôi hoặc tại bộ phận một cửa. "
                "Thời gian chờ bổ sung không tính vào thời hạn giải quyết."
            )
        )
    elif action == "refuse":
        title = _("Hồ sơ %(code)s không được giải quyết") % {"code": code}
        lines = [_("Lý do: %(reason)s") % {"reason": _reason(payload)}]
        lines.append(
            _(
                "Bạn có thể tải phiếu từ chối tại trang Hồ sơ của tôi và nộp lại hồ sơ mới "
                "khi đủ điều kiện."
            )
        )
    elif action == "approve":
        title = _("Hồ sơ %(code)s đã có kết quả") % {"code": code}
        lines = [
            _("Hồ sơ đã được giải quyết xong lúc %(at)s.") % {"at": _at(event.at)},
            _(
                "Hãy nhận kết quả theo hình thức bạn đã chọn khi nộp hồ sơ, mang theo giấy hẹn "
                "và thẻ căn cước nếu nhận trực tiếp."
            ),
            _("Sau khi nhận, hãy đánh giá mức độ hài lòng tại trang Hồ sơ của tôi."),
        ]
        if dossier.e_result:
            lines.insert(1, _("Bạn có thể tải kết quả điện tử tại trang Hồ sơ của tôi."))
    elif action == "suspend":
        title = _("Hồ sơ %(code)s tạm dừng xử lý") % {"code": code}
        lines = [_("Lý do: %(reason)s") % {"reason": _reason(payload)}]
        if payload.get("kind") == "financial":
            lines.append(
                _(
                    "Hãy thực hiện nghĩa vụ tài chính; hồ sơ được xử lý tiếp ngay khi cơ quan "
                    "nhận được."
                )
            )
        else:
            lines.append(_("Thời gian tạm dừng không tính vào thời hạn giải quyết."))
    elif action == "resume":
        title = _("Hồ sơ %(code)s được xử lý tiếp") % {"code": code}
        lines = [_("Cơ quan đã tiếp tục xử lý hồ sơ.")]
        if dossier.due_at:
            lines.append(_("Hẹn trả kết quả: %(at)s.") % {"at": _at(dossier.due_at)})
    elif action == "return":
        title = _("Hồ sơ %(code)s đã trả kết quả") % {"code": code}
        lines = [
            _("Kết quả đã được trả lúc %(at)s.") % {"at": _at(event.at)},
            _(
                "Hãy đánh giá mức độ hài lòng tại trang Hồ sơ của tôi; ý kiến của bạn giúp "
                "cơ quan phục vụ tốt hơn."
            ),
        ]
    elif action == "withdraw":
        title = _("Hồ sơ %(code)s đã được rút") % {"code": code}
        lines = [
            _("Hồ sơ đã được rút lúc %(at)s và sẽ không được giải quyết tiếp.")
            % {"at": _at(event.at)},
            _("Nếu bạn không yêu cầu rút hồ sơ, hãy liên hệ ngay bộ phận một cửa."),
        ]
    elif action == "cancel":
        title = _("Hồ sơ %(code)s đã bị hủy") % {"code": code}
        lines = [
            _("Hồ sơ bị hủy vì không nộp bổ sung trong thời hạn."),
            _("Bạn có thể nộp hồ sơ mới khi đã đủ giấy tờ."),
        ]
    elif action == "apology":
        title = _("Hồ sơ %(code)s chậm trả kết quả: hẹn lại ngày trả") % {"code": code}
        lines = [
            _("Cơ quan xin lỗi vì chậm trả kết quả. Lý do: %(reason)s")
            % {"reason": _reason(payload)},
            _("Hẹn lại ngày trả: %(at)s.") % {"at": _at(payload.get("new_appointment"))},
            _("Phiếu xin lỗi có tại trang Hồ sơ của tôi."),
        ]
    else:
        title = _("Hồ sơ %(code)s có cập nhật") % {"code": code}
        lines = [_("Hãy xem chi tiết tại trang Hồ sơ của tôi.")]
    return Message(title=title, body="\n".join([about, *lines]))


def email_text(body: str, url: str) -> str:
    """The email of a notification (a dossier's or a petition's): its body and where to see
    more."""
    return "\n\n".join(
        [
            _("Kính gửi ông/bà,"),
            body,
            _("Xem chi tiết: %(url)s") % {"url": url},
            _("Thư này được gửi tự động từ Cổng dịch vụ công; xin đừng trả lời thư."),
        ]
    )
