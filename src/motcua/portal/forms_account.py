"""Forms of citizens' pages: they parse and check what was typed; the writes are services'."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.forms import VersionField
from motcua.dossiers.models import Rating
from motcua.pages import PageForm

_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
REQUIRED = gettext_lazy("Không được để trống.")


class _Form(PageForm):
    """Labels without Django's trailing colon, as on every other page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SignUpForm(_Form):
    personal_id = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân (12 chữ số)"),
        max_length=12,
        min_length=12,
        error_messages={
            "required": gettext_lazy("Hãy nhập số định danh cá nhân."),
            "min_length": gettext_lazy("Số định danh cá nhân phải gồm đúng 12 chữ số."),
            "max_length": gettext_lazy("Số định danh cá nhân phải gồm đúng 12 chữ số."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username"}),
    )
    birth_date = forms.DateField(
        label=gettext_lazy("Ngày sinh (ngày/tháng/năm)"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": gettext_lazy("Hãy nhập ngày sinh."),
            "invalid": gettext_lazy(
                "Ngày sinh phải viết theo dạng ngày/tháng/năm, ví dụ 12/04/1985."
            ),
        },
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "bday"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Thư điện tử (không bắt buộc)"),
        required=False,
        error_messages={"invalid": gettext_lazy("Địa chỉ thư điện tử không hợp lệ.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại (không bắt buộc)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        strip=False,
        error_messages={"required": gettext_lazy("Hãy đặt mật khẩu.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Nhập lại mật khẩu"),
        strip=False,
        error_messages={"required": gettext_lazy("Hãy nhập lại mật khẩu.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_personal_id(self) -> str:
        value = self.cleaned_data["personal_id"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("Số định danh cá nhân phải gồm đúng 12 chữ số."))
        return value

    def clean_phone(self) -> str:
        phone = _PHONE_SEPARATORS.sub("", self.cleaned_data.get("phone") or "")
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(
                _("Số điện thoại phải có 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84.")
            )
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", _("Hai lần nhập mật khẩu không giống nhau."))
        return data


class SignInForm(_Form):
    username = forms.CharField(
        label=gettext_lazy("Tên đăng nhập"),
        max_length=150,
        error_messages={"required": gettext_lazy("Hãy nhập tên đăng nhập hoặc số định danh.")},
    )
    password = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        strip=False,
        error_messages={"required": gettext_lazy("Hãy nhập mật khẩu.")},
    )


class WithdrawForm(_Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do rút hồ sơ"),
        max_length=500,
        error_messages={"required": gettext_lazy("Hãy ghi lý do rút hồ sơ.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Tôi hiểu rằng hồ sơ đã rút sẽ không được giải quyết tiếp."),
        error_messages={"required": gettext_lazy("Hãy đánh dấu xác nhận rút hồ sơ.")},
    )
    version = VersionField()


class RateForm(_Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("Mức độ hài lòng"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Hãy chọn một mức đánh giá."),
            "invalid_choice": gettext_lazy("Hãy chọn một mức đánh giá."),
        },
    )
