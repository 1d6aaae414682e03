from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp kết quả (PDF)"),
        error_messages={
            "required": _("Hãy chọn tệp PDF cần xác thực."),
            "empty": _("Tệp tải lên rỗng."),
            "invalid": _("Tệp tải lên không hợp lệ."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.MOTCUA_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp vượt giới hạn %(limit)d MB.") % {"limit": limit // 1048576}
            )
        return upload
