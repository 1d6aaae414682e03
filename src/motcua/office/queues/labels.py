"""What each dossier event is called in the history officers read: the lifecycle's actions and
the events recorded beside them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from motcua.dossiers.lifecycle import Action
from motcua.dossiers.services import ASK_SUPPLEMENT

EVENT_LABELS: dict[str, Any] = {
    **{a.value: a.label for a in Action},
    "create": gettext_lazy("Tạo hồ sơ"),
    ASK_SUPPLEMENT: gettext_lazy("Đề nghị bộ phận một cửa yêu cầu bổ sung"),
    "apology": gettext_lazy("Gửi phiếu xin lỗi và hẹn lại ngày trả"),
    "result_drafted": gettext_lazy("Dự thảo kết quả"),
    # What `result_drafted` was called before: the same draft, in older histories.
    "result_attached": gettext_lazy("Dự thảo kết quả"),
    "result_signed": gettext_lazy("Ký số kết quả"),
    "attach": gettext_lazy("Đính kèm tài liệu"),
    "digitize": gettext_lazy("Số hóa hồ sơ"),
    "reuse": gettext_lazy("Sử dụng lại dữ liệu đã số hóa"),
    "form_save": gettext_lazy("Người nộp cập nhật tờ khai điện tử"),
    "registry_lookup": gettext_lazy("Khai thác thông tin từ CSDL quốc gia về dân cư"),
    "pay": gettext_lazy("Nộp phí, lệ phí"),
    "rate": gettext_lazy("Người nộp đánh giá mức độ hài lòng"),
}
