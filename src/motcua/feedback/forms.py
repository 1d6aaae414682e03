"""Form parsing for the petition pages; the rules themselves live in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.feedback.models import Kind, PetitionRating
from motcua.feedback.services import (
    ANSWER_MAX,
    CONTENT_MAX,
    REASON_MAX,
    SUBJECT_MAX,
)
from motcua.pages import PageForm


class SubmitForm(PageForm):
    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Hãy chọn loại: phản ánh hoặc kiến nghị.")},
    )
    agency = forms.ChoiceField(label=_("Gửi tới cơ quan"), required=False)
    dossier = forms.ChoiceField(label=_("Về hồ sơ của bạn (không bắt buộc)"), required=False)
    subject = forms.CharField(
        label=_("Tiêu đề"),
        max_length=SUBJECT_MAX,
        error_messages={"required": _("Hãy ghi tiêu đề.")},
    )
    content = forms.CharField(
        label=_("Nội dung"),
        max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Hãy ghi nội dung phản ánh, kiến nghị.")},
    )
    publish_consent = forms.BooleanField(
        label=_("Tôi đồng ý công khai tiêu đề và câu trả lời (không kèm họ tên, nội dung)"),
        required=False,
    )

    def __init__(
        self, *args, agencies: list[tuple[str, str]], dossiers: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        agency, dossier = self.fields["agency"], self.fields["dossier"]
        assert isinstance(agency, forms.ChoiceField) and isinstance(dossier, forms.ChoiceField)
        agency.choices = [("", _("— Chọn cơ quan —")), *agencies]
        dossier.choices = [("", _("— Không về hồ sơ nào —")), *dossiers]


class RateForm(PageForm):
    rating = forms.ChoiceField(
        choices=PetitionRating.choices,
        error_messages={
            "required": _("Hãy chọn một mức: hài lòng hoặc không hài lòng."),
            "invalid_choice": _("Hãy chọn một mức: hài lòng hoặc không hài lòng."),
        },
    )


class AnswerForm(PageForm):
    answer = forms.CharField(
        label=_("Nội dung trả lời"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Hãy ghi nội dung trả lời.")},
    )
    publish = forms.BooleanField(
        label=_("Công khai câu trả lời"),
        required=False,
        help_text=_(
            "Chỉ đánh dấu khi câu trả lời không nêu họ tên, số định danh, địa chỉ hay thông tin "
            "riêng của ai: câu trả lời sẽ hiện trên trang công khai (cùng tiêu đề)."
        ),
    )


class RejectForm(PageForm):
    reason = forms.CharField(
        label=_("Lý do không thuộc phạm vi xử lý"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy ghi lý do.")},
    )
