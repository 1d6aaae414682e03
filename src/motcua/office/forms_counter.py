"""Forms of the one-stop counter. They parse and check what the officer typed; the writes are
the dossier services' (the counter pages call them). Every message is Vietnamese."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import RequiredDocument
from motcua.core.errors import ValidationFailed
from motcua.core.ids import personal_id_parse
from motcua.core.names import person_name_clean
from motcua.core.worktime import WorkingCalendar
from motcua.dossiers.documents import result_fits
from motcua.dossiers.forms import VersionField
from motcua.dossiers.models import Channel

DATE_INPUT = "%d/%m/%Y"
SUPPLEMENT_DAYS_DEFAULT = 5  # working days the applicant gets unless the officer says otherwise
SUPPLEMENT_DAYS_MAX = 366
_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def personal_id_clean(value: str) -> str:
    """The 12-digit personal ID, or the structure error `core.ids` explains in Vietnamese."""
    try:
        return personal_id_parse(value).number
    except ValidationFailed as error:
        raise forms.ValidationError(error.message, code="invalid") from error


class _Form(forms.Form):
    """Labels without Django's trailing colon, as on every other page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _Versioned(_Form):
    """Every action carries the version of the dossier the page showed (two officers acting
    at once: the second gets a conflict, not a double action)."""

    version = VersionField()

    def payload(self) -> dict[str, Any]:
        return {}

    def note(self) -> str:
        return ""


class PersonalIdForm(_Form):
    """The registry look-up: only the personal ID is needed."""

    applicant_id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân"),
        max_length=32,
        error_messages={"required": gettext_lazy("Phải nhập số định danh cá nhân.")},
    )

    def clean_applicant_id_number(self) -> str:
        return personal_id_clean(self.cleaned_data["applicant_id_number"])


class WalkInForm(_Form):
    """A walk-in or postal dossier, entered at the counter."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Hình thức nộp"),
        choices=[
            (Channel.DIRECT.value, gettext_lazy("Trực tiếp tại quầy")),
            (Channel.POSTAL.value, gettext_lazy("Qua bưu chính công ích")),
        ],
        initial=Channel.DIRECT.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Phải chọn hình thức nộp."),
            "invalid_choice": gettext_lazy("Hình thức nộp không hợp lệ."),
        },
    )
    applicant_id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân"),
        max_length=32,
        error_messages={"required": gettext_lazy("Phải nhập số định danh cá nhân.")},
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("Họ và tên người nộp"),
        max_length=255,
        error_messages={"required": gettext_lazy("Phải nhập họ và tên người nộp.")},
    )
    applicant_address = forms.CharField(
        label=gettext_lazy("Địa chỉ"), max_length=500, required=False
    )
    applicant_phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"), max_length=20, required=False
    )
    applicant_email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"),
        max_length=254,
        required=False,
        error_messages={"invalid": gettext_lazy("Địa chỉ thư điện tử không hợp lệ.")},
    )

    def clean_applicant_id_number(self) -> str:
        return personal_id_clean(self.cleaned_data["applicant_id_number"])

    def clean_applicant_name(self) -> str:
        name = " ".join(self.cleaned_data["applicant_name"].split())
        if not name:
            raise forms.ValidationError(_("Phải nhập họ và tên người nộp."), code="required")
        try:
            return person_name_clean(self.cleaned_data["applicant_name"])
        except ValidationFailed as error:
            raise forms.ValidationError(error.message, code="invalid") from error

    def clean_applicant_phone(self) -> str:
        phone = _PHONE_SEPARATORS.sub("", self.cleaned_data["applicant_phone"])
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(
                _("Số điện thoại không hợp lệ: nhập 10 chữ số, ví dụ 0912 345 678."),
                code="invalid",
            )
        return phone


class ReceiveForm(_Versioned):
    """Receive (or take in a supplement, or hand over to processing): only the version."""

    note_text = forms.CharField(
        label=gettext_lazy("Ghi chú"), max_length=1000, required=False, widget=forms.Textarea
    )

    def note(self) -> str:
        return self.cleaned_data.get("note_text", "").strip()


class ReceptionForm(ReceiveForm):
    """Receive: which papers were taken in, so the receipt lists those and only those. The
    documents the filled e-form replaces are received as the e-form, outside the checklist."""

    received_documents = forms.MultipleChoiceField(
        label=gettext_lazy("Giấy tờ đã nhận"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Giấy tờ đã chọn không thuộc thủ tục.")},
    )
    # Set by the page that shows the checklist: a post without it (an older page, a script)
    # leaves the receipt to the files attached.
    checklist = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        documents: list[RequiredDocument],
        covered: set[int],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.covered = [d for d in documents if d.pk in covered]
        self.listed = {str(d.pk): d for d in documents if d.pk not in covered}
        field = cast(forms.ChoiceField, self.fields["received_documents"])
        field.choices = [(pk, d.name) for pk, d in self.listed.items()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("checklist"):
            return cleaned
        ticked = set(cleaned.get("received_documents", []))
        lacking = [d.name for pk, d in self.listed.items() if not d.optional and pk not in ticked]
        if lacking:
            raise forms.ValidationError(
                _(
                    "Chưa nhận giấy tờ bắt buộc: %(names)s. Hãy yêu cầu bổ sung thay vì "
                    "tiếp nhận hồ sơ chưa đủ."
                )
                % {"names": "; ".join(lacking)},
                code="incomplete",
            )
        return cleaned

    def payload(self) -> dict[str, Any]:
        if not self.cleaned_data.get("checklist"):
            return {}
        ticked = set(self.cleaned_data.get("received_documents", []))
        covered = {d.pk for d in self.covered}
        return {
            "received_documents": [
                d.pk for d in self.documents if d.pk in covered or str(d.pk) in ticked
            ],
            "covered_documents": sorted(covered),
        }


class SupplementForm(_Versioned):
    """What is missing, exactly, and by when."""

    missing_documents = forms.MultipleChoiceField(
        label=gettext_lazy("Giấy tờ cần bổ sung"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Giấy tờ đã chọn không thuộc thủ tục.")},
    )
    other_missing = forms.CharField(
        label=gettext_lazy("Nội dung khác cần bổ sung (mỗi dòng một nội dung)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Hạn nộp bổ sung (dd/mm/yyyy)"),
        input_formats=[DATE_INPUT],
        widget=forms.DateInput(
            format=DATE_INPUT, attrs={"placeholder": "dd/mm/yyyy", "class": "short"}
        ),
        error_messages={
            "required": gettext_lazy("Phải nhập hạn nộp bổ sung."),
            "invalid": gettext_lazy("Hạn nộp bổ sung phải viết theo dạng dd/mm/yyyy."),
        },
    )

    def __init__(
        self,
        *args: Any,
        documents: list[RequiredDocument],
        calendar: WorkingCalendar,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.documents = {str(d.pk): d for d in documents}
        self.calendar = calendar
        self._choices("missing_documents").choices = [(str(d.pk), d.name) for d in documents]
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault(
                "due_on", calendar.add_working_days(today, SUPPLEMENT_DAYS_DEFAULT)
            )

    def _choices(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def clean_due_on(self) -> date:
        day: date = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(
                _("Hạn nộp bổ sung %(day)s đã qua.") % {"day": f"{day:%d/%m/%Y}"}, code="past"
            )
        if day > today + timedelta(days=SUPPLEMENT_DAYS_MAX):
            raise forms.ValidationError(
                _("Hạn nộp bổ sung không được quá một năm kể từ hôm nay."), code="too_far"
            )
        if not self.calendar.is_working_day(day):
            raise forms.ValidationError(
                _("Ngày %(day)s là ngày nghỉ; hãy chọn một ngày làm việc.")
                % {"day": f"{day:%d/%m/%Y}"},
                code="day_off",
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = [self.documents[pk].name for pk in cleaned.get("missing_documents", [])]
        others = [
            " ".join(line.split())
            for line in cleaned.get("other_missing", "").splitlines()
            if line.strip()
        ]
        cleaned["missing"] = chosen + others
        if not cleaned["missing"]:
            raise forms.ValidationError(
                _("Phải chọn hoặc ghi rõ ít nhất một giấy tờ cần bổ sung."), code="empty"
            )
        return cleaned

    def due_at(self) -> datetime:
        """The end of the last office period of the chosen day."""
        day: date = self.cleaned_data["due_on"]
        return self.calendar.periods_on(day)[-1][1]

    def payload(self) -> dict[str, Any]:
        return {"missing": self.cleaned_data["missing"], "supplement_due_at": self.due_at()}


class RefuseForm(_Versioned):
    reason = forms.CharField(
        label=gettext_lazy("Lý do từ chối"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Phải nhập lý do từ chối.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Phải nhập lý do từ chối."), code="required")
        return reason

    def payload(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class ReturnForm(_Versioned):
    """How the result reaches the applicant: the three ways the e-form offers them (and the
    lifecycle records), the applicant's own choice preselected by the page."""

    METHODS = [
        ("in_person", gettext_lazy("Trực tiếp tại quầy")),
        ("post", gettext_lazy("Qua bưu chính công ích")),
        ("online", gettext_lazy("Bản điện tử gửi vào tài khoản và kho dữ liệu của người nộp")),
    ]

    method = forms.ChoiceField(
        label=gettext_lazy("Hình thức trả"),
        choices=METHODS,
        initial="in_person",
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Phải chọn hình thức trả kết quả."),
            "invalid_choice": gettext_lazy("Hình thức trả kết quả không hợp lệ."),
        },
    )
    receiver = forms.CharField(
        label=gettext_lazy("Người nhận kết quả"),
        max_length=255,
        error_messages={"required": gettext_lazy("Phải nhập người nhận kết quả.")},
    )
    note_text = forms.CharField(
        label=gettext_lazy("Ghi chú (giấy tờ người nhận xuất trình, số hiệu bưu gửi…)"),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, electronic: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.electronic = electronic

    def clean_method(self) -> str:
        method: str = self.cleaned_data["method"]
        if method == "online" and not self.electronic:
            raise forms.ValidationError(
                _(
                    "Hồ sơ không có kết quả điện tử trong kho dữ liệu của người nộp: hãy trả "
                    "trực tiếp hoặc qua bưu chính."
                ),
                code="no_e_result",
            )
        return method

    def clean_receiver(self) -> str:
        receiver = " ".join(self.cleaned_data["receiver"].split())
        if not receiver:
            raise forms.ValidationError(_("Phải nhập người nhận kết quả."), code="required")
        return receiver

    def payload(self) -> dict[str, Any]:
        return {"method": self.cleaned_data["method"], "receiver": self.cleaned_data["receiver"]}

    def note(self) -> str:
        return self.cleaned_data.get("note_text", "").strip()


class ReuseForm(_Form):
    """Link an earlier result of the same person instead of a new scan."""

    required_document = forms.TypedChoiceField(
        label=gettext_lazy("Thành phần hồ sơ"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Phải chọn thành phần hồ sơ."),
            "invalid_choice": gettext_lazy("Thành phần hồ sơ không thuộc thủ tục này."),
        },
    )
    source = forms.TypedChoiceField(
        label=gettext_lazy("Tài liệu trong kho dữ liệu"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Phải chọn tài liệu trong kho dữ liệu."),
            "invalid_choice": gettext_lazy(
                "Tài liệu đã chọn không có trong kho dữ liệu của người nộp."
            ),
        },
    )

    def __init__(self, *args: Any, documents: list[Any], sources: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each result is listed under the documents it may stand in for, so the officer
        # sees at once which result fits which slot; the service refuses any other pair.
        fitting = [(d, [s for s in sources if result_fits(d, s)]) for d in documents]
        cast(forms.ChoiceField, self.fields["required_document"]).choices = [("", "—")] + [
            (d.pk, d.name) for d in documents
        ]
        cast(forms.ChoiceField, self.fields["source"]).choices = [("", "—")] + [
            (
                d.name,
                [
                    (s.pk, f"{s.dossier.public_code} · {s.dossier.procedure.name} · {s.name}")
                    for s in fits
                ],
            )
            for d, fits in fitting
            if fits
        ]
        self.offers_any = any(fits for _d, fits in fitting)
