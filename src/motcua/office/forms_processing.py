"""Input of the processing pages: the queue's filters and one small form per dossier action.

Every action form carries the dossier `version` the officer's screen showed, so an action
taken on a stale screen is refused as a conflict instead of applied twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.core.text import fold
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.dossiers.forms import VersionField
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.office.queues import QUEUE_FILTERS


def _reason(label: Any, *, required: bool = True, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Phải ghi rõ lý do."),
            "max_length": _("Nội dung quá dài (tối đa %(limit_value)d ký tự)."),
        },
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm theo mã hồ sơ hoặc tên thủ tục"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Từ khóa quá dài (tối đa %(limit_value)d ký tự).")},
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        required=False,
        error_messages={"invalid_choice": _("Tình trạng lọc “%(value)s” không hợp lệ.")},
    )
    procedure = forms.ChoiceField(
        label=_("Thủ tục"),
        required=False,
        error_messages={
            "invalid_choice": _("Không có thủ tục mã “%(value)s” trong phạm vi của bạn.")
        },
    )
    agency = forms.ChoiceField(
        label=_("Cơ quan"),
        required=False,
        error_messages={"invalid_choice": _("Bạn không xử lý hồ sơ của cơ quan mã “%(value)s”.")},
    )

    def __init__(self, data: Any, *, agencies: list[Agency], procedures: list[Procedure]) -> None:
        super().__init__(data)
        self.agencies = {a.code: a for a in agencies}
        self.procedures = {p.code: p for p in procedures}
        self.choices: dict[str, list[tuple[str, Any]]] = {
            "status": [("", _("Tất cả")), *QUEUE_FILTERS.items()],
            "procedure": [("", _("Tất cả thủ tục"))] + [(p.code, p.name) for p in procedures],
            "agency": [("", _("Tất cả cơ quan"))] + [(a.code, a.name) for a in agencies],
        }
        for name, choices in self.choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def select(self, name: str) -> SafeString:
        """The field's `<select>`, as Django's widget writes it (attributes, whitespace and
        all). The widget renders every option through a template include of its own: for a
        commune's thirty procedures that cost more than the rest of the queue's form."""
        value = str(self.data.get(name) or "") if self.is_bound else ""
        attrs = ""
        if self.is_bound and name in self.errors:
            attrs = f' aria-invalid="true" aria-describedby="id_{name}_error"'
        options = []
        selected = False
        for key, label in self.choices[name]:
            mark = ""
            if not selected and str(key) == value:
                mark, selected = " selected", True
            options.append(f'\n  <option value="{escape(key)}"{mark}>{escape(label)}</option>\n')
        # Safe: every value and label above is escaped.
        return mark_safe(
            f'<select name="{name}"{attrs} id="id_{name}">{"".join(options)}\n</select>'
        )


class ActionForm(forms.Form):
    """What every action posts: the version shown."""

    version = VersionField()

    key = "action"

    def __init__(self, *args: Any, dossier: Dossier, key: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = dossier.version
        # Several action forms share a page: ids carry the action so labels stay unique.
        kwargs.setdefault("auto_id", f"id_{key or self.key}_%s")
        super().__init__(*args, **kwargs)
        self.dossier = dossier


class ForwardForm(ActionForm):
    assignee = forms.TypedChoiceField(
        label=_("Giao cho"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": _("Người được giao không giữ vai trò của bước tiếp theo.")
        },
    )
    note = _reason(_("Ghi chú"), required=False)

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Không chỉ định (ai giữ vai trò đều nhận được)"))] + [
            (str(u.pk), str(u)) for u in candidates
        ]


class SendBackForm(ActionForm):
    reason = _reason(_("Lý do trả lại"))


class AskSupplementForm(ActionForm):
    note = forms.CharField(
        label=_("Giấy tờ cần bổ sung và lý do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Phải ghi rõ giấy tờ cần bổ sung.")},
    )


class SuspendForm(ActionForm):
    kind = forms.ChoiceField(
        label=_("Loại tạm dừng"),
        choices=[
            (Dossier.SuspendKind.FINANCIAL.value, Dossier.SuspendKind.FINANCIAL.label),
            (Dossier.SuspendKind.OTHER.value, Dossier.SuspendKind.OTHER.label),
        ],
        error_messages={"invalid_choice": _("Loại tạm dừng không hợp lệ.")},
    )
    reason = _reason(_("Lý do tạm dừng"))


class NoteForm(ActionForm):
    """Resume, take back a transfer, approve: an optional note."""

    note = _reason(_("Ghi chú"), required=False)


_CODE_SUFFIX = re.compile(r"\(([^()]+)\)\s*$")
AMBIGUOUS_SHOWN = 5


def transfer_targets(dossier: Dossier) -> list[Agency]:
    """What the transfer box proposes: the other agencies that handle the procedure first,
    then every other agency (a transfer may go to one that does not, e.g. the tax office)."""
    handles = Procedure.agencies.through.objects.filter(
        agency_id=OuterRef("pk"), procedure_id=dossier.procedure_id
    )
    return list(
        Agency.objects.exclude(pk=dossier.agency_id)
        .annotate(handles=Exists(handles))
        .order_by("-handles", "name", "code")
        .only("id", "code", "name")[:500]
    )


def transfer_choice(agency: Agency) -> str:
    """How an agency reads in the box: its name, and its code to tell namesakes apart."""
    return f"{agency.name} ({agency.code})"


def agency_resolve(typed: str, *, dossier: Dossier) -> Agency:
    """The agency meant by what the officer typed or picked: its code, its name (case and
    diacritics aside, or a part of it that only one agency's name holds), or the box's own
    "name (code)". Raises a ValidationError in Vietnamese for none, several or the dossier's
    own agency."""
    text = " ".join(typed.split())
    suffix = _CODE_SUFFIX.search(text)
    by_code = Q(code__iexact=text) | (
        Q(code__iexact=suffix.group(1).strip()) if suffix else Q(pk__in=[])
    )
    found = Agency.objects.filter(by_code).first() if text else None
    if found is None:
        # A name may end in brackets of its own ("… (cũ)"): the whole text is tried first.
        wanted = fold(text)
        named = [(a, fold(a.name)) for a in Agency.objects.only("id", "code", "name")]
        matches = [a for a, name in named if name == wanted] or [
            a for a, name in named if wanted and wanted in name
        ]
        if not matches:
            raise forms.ValidationError(
                _(
                    "Không tìm thấy cơ quan “%(typed)s”: hãy chọn trong danh sách gợi ý, hoặc "
                    "nhập đúng tên hay mã định danh của cơ quan."
                )
                % {"typed": text[:100]},
                code="not_found",
            )
        if len(matches) > 1:
            shown = "; ".join(transfer_choice(a) for a in matches[:AMBIGUOUS_SHOWN])
            raise forms.ValidationError(
                _(
                    "Có %(n)d cơ quan khớp với “%(typed)s” (%(shown)s%(more)s): hãy chọn đúng "
                    "một cơ quan trong danh sách gợi ý hoặc nhập mã định danh."
                )
                % {
                    "n": len(matches),
                    "typed": text[:100],
                    "shown": shown,
                    "more": "; …" if len(matches) > AMBIGUOUS_SHOWN else "",
                },
                code="ambiguous",
            )
        found = matches[0]
    if found.pk == dossier.agency_id:
        raise forms.ValidationError(
            _("%(agency)s đang giải quyết hồ sơ này: hãy chọn một cơ quan khác để liên thông.")
            % {"agency": found.name},
            code="own_agency",
        )
    return found


class TransferForm(ActionForm):
    agency = forms.CharField(
        label=_("Cơ quan nhận liên thông (tên hoặc mã)"),
        max_length=400,
        widget=forms.TextInput(attrs={"list": "transfer-targets", "autocomplete": "off"}),
        error_messages={"required": _("Phải chọn cơ quan nhận liên thông.")},
    )
    note = _reason(_("Nội dung liên thông"), required=False)

    def clean_agency(self) -> Agency:
        return agency_resolve(self.cleaned_data["agency"], dossier=self.dossier)


class ResultForm(ActionForm):
    file = forms.FileField(
        label=_("Tệp kết quả (PDF, JPEG hoặc PNG)"),
        error_messages={
            "required": _("Phải chọn tệp kết quả."),
            "empty": _("Tệp kết quả rỗng."),
            "invalid": _("Tệp kết quả không hợp lệ."),
        },
    )


class GenerateResultForm(ActionForm):
    text = forms.CharField(
        label=_("Nội dung kết quả (theo mẫu của thủ tục, sửa nếu cần)"),
        max_length=4000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Phải nhập nội dung kết quả."),
            "max_length": _("Nội dung quá dài (tối đa %(limit_value)d ký tự)."),
        },
    )


class CertifyCopyForm(ActionForm):
    document = forms.TypedChoiceField(
        label=_("Bản quét của bản chính"),
        coerce=int,
        error_messages={
            "required": _("Hồ sơ chưa có bản quét của bản chính; hãy số hóa bản chính trước."),
            "invalid_choice": _(
                "Bản quét được chọn không thuộc hồ sơ này; vui lòng tải lại trang."
            ),
        },
    )
    original_name = forms.CharField(
        label=_("Tên giấy tờ bản chính"),
        max_length=300,
        strip=True,
        error_messages={
            "required": _("Phải ghi tên giấy tờ bản chính (ví dụ: Bằng tốt nghiệp đại học)."),
            "max_length": _("Tên giấy tờ bản chính quá dài (tối đa %(limit_value)d ký tự)."),
        },
    )

    def __init__(self, *args: Any, documents: list[DossierDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = {d.pk: d for d in documents}
        field = self.fields["document"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(d.pk), f"{d.name} ({d.get_kind_display()}, {d.created_at:%d/%m/%Y %H:%M})")
            for d in documents
        ]

    def clean_document(self) -> DossierDocument:
        return self.documents[self.cleaned_data["document"]]


class SignApproveForm(ActionForm):
    document = forms.TypedChoiceField(
        label=_("Kết quả cần ký số"),
        coerce=int,
        error_messages={
            "required": _(
                "Chưa có kết quả PDF để ký; hãy đính kèm hoặc tạo kết quả từ mẫu trước khi ký."
            ),
            "invalid_choice": _("Kết quả được chọn không còn chờ ký; vui lòng tải lại trang."),
        },
    )
    note = _reason(_("Ghi chú"), required=False)

    def __init__(self, *args: Any, documents: list[DossierDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = {d.pk: d for d in documents}
        field = self.fields["document"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(d.pk), f"{d.name} ({d.created_at:%d/%m/%Y %H:%M})") for d in documents
        ]

    def clean_document(self) -> DossierDocument:
        return self.documents[self.cleaned_data["document"]]


class RefuseForm(ActionForm):
    reason = _reason(_("Lý do từ chối giải quyết"))


class ApologyForm(ActionForm):
    new_date = forms.DateField(
        label=_("Ngày hẹn trả mới (dd/mm/yyyy)"),
        input_formats=["%d/%m/%Y"],
        widget=forms.TextInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        ),
        error_messages={
            "required": _("Phải nhập ngày hẹn trả mới."),
            "invalid": _("Ngày hẹn phải có dạng dd/mm/yyyy, ví dụ 25/12/2026."),
        },
    )
    new_time = forms.TimeField(
        label=_("Giờ hẹn (HH:MM)"),
        input_formats=["%H:%M"],
        widget=forms.TextInput(attrs={"placeholder": "HH:MM", "inputmode": "numeric"}),
        error_messages={
            "required": _("Phải nhập giờ hẹn."),
            "invalid": _("Giờ hẹn phải có dạng HH:MM, ví dụ 16:00."),
        },
    )
    reason = _reason(_("Lý do chậm trễ"))

    def new_appointment(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["new_date"], self.cleaned_data["new_time"], tzinfo=TZ
        )
