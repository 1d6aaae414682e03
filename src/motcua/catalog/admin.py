from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from motcua.catalog.fees import fee_lines_problems
from motcua.catalog.models import (
    FeeLine,
    Procedure,
    Publication,
    RequiredDocument,
    Sector,
    WorkflowStep,
)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class FeeLineFormSet(BaseInlineFormSet):
    """The rules over the lines together (`catalog.fees.fee_lines_problems`), as the import
    checks them."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = fee_lines_problems(kept)
        if problems:
            raise ValidationError(
                [
                    why if index is None else f"{kept[index].get('name', '')}: {why}"
                    for index, _key, why in problems
                ]
            )


class FeeLineInline(admin.TabularInline):
    model = FeeLine
    formset = FeeLineFormSet
    fields = ["name", "amount", "group", "condition", "channel"]
    extra = 0


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0


class WorkflowFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        total = sum(
            form.cleaned_data.get("share_percent") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if total > 100:
            raise ValidationError(
                _("Tổng tỷ lệ thời hạn của các bước là %(total)d%%, không được vượt 100%%.")
                % {"total": total}
            )


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    formset = WorkflowFormSet
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "level", "time_limit", "online", "is_active"]
    list_filter = ["level", "online", "sector", "registry_connected", "is_active"]
    search_fields = ["code", "name", "name_folded"]
    autocomplete_fields = ["sector"]
    filter_horizontal = ["agencies"]
    list_select_related = ["sector"]
    inlines = [RequiredDocumentInline, FeeLineInline, WorkflowStepInline, PublicationInline]
