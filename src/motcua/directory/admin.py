from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import MotcuaError
from motcua.directory.models import Agency, ApiToken, Division, Office, StaffRole, User
from motcua.directory.services import agency_merge
from motcua.directory.tokens import api_token_create, api_token_revoke


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


class ChildAgencyInline(admin.TabularInline):
    model = Agency
    fk_name = "parent"
    fields = ["code", "name", "level"]
    extra = 0
    show_change_link = True
    verbose_name_plural = _("cơ quan trực thuộc")


class AgencyMergeForm(forms.Form):
    successor = forms.ModelChoiceField(
        queryset=Agency.objects.filter(merged_into__isnull=True),
        label=_("Sáp nhập vào cơ quan"),
    )
    on = forms.DateField(
        label=_("Từ ngày"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("Ngày quyết định sáp nhập có hiệu lực (dd/mm/yyyy)."),
    )

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["successor"]
        field.queryset = field.queryset.exclude(pk=agency.pk)  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "tree_name", "level", "parent", "office_hours"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "division"]
    list_select_related = ["parent"]
    readonly_fields = ["merged_into", "merged_on", "merge_link"]
    inlines = [ChildAgencyInline]

    def get_urls(self):
        merge = self.admin_site.admin_view(self.merge_view)
        return [
            path("<int:agency_id>/sap-nhap/", merge, name="directory_agency_merge"),
            *super().get_urls(),
        ]

    def merge_view(self, request: HttpRequest, agency_id: int) -> HttpResponse:
        """Record a merger (the 2025 reorganisation) through `agency_merge`: the successor
        and the day from which the agency's figures count under it."""
        agency = get_object_or_404(Agency, pk=agency_id)
        form = AgencyMergeForm(request.POST or None, agency=agency)
        if request.method == "POST" and form.is_valid():
            try:
                agency_merge(
                    actor=request.user,  # type: ignore[arg-type]
                    agency=agency,
                    successor=form.cleaned_data["successor"],
                    on=form.cleaned_data["on"],
                )
            except MotcuaError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    gettext("Đã ghi nhận: %(agency)s sáp nhập vào %(successor)s từ ngày %(day)s.")
                    % {
                        "agency": agency.name,
                        "successor": form.cleaned_data["successor"].name,
                        "day": f"{form.cleaned_data['on']:%d/%m/%Y}",
                    },
                )
                return HttpResponseRedirect(
                    reverse("admin:directory_agency_change", args=[agency.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Ghi nhận sáp nhập %(agency)s") % {"agency": agency.name},
            "agency": agency,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/directory/agency_merge.html", context)

    @admin.display(description=_("sáp nhập"))
    def merge_link(self, agency: Agency) -> str:
        if agency.pk is None or agency.merged_into_id is not None:
            return "—"
        url = reverse("admin:directory_agency_merge", args=[agency.pk])
        return format_html(
            '<a href="{}">{}</a>', url, gettext("Ghi nhận sáp nhập vào cơ quan khác")
        )

    def changelist_view(self, request, extra_context=None):
        # One query for the whole tree, so the indentation costs nothing per row.
        self._parents = dict(Agency.objects.values_list("id", "parent_id"))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("tên cơ quan (theo cây)"))
    def tree_name(self, agency: Agency) -> str:
        parents = getattr(self, "_parents", {})
        depth, current = 0, parents.get(agency.pk)
        while current is not None and depth < 10:
            current = parents.get(current)
            depth += 1
        return "— " * depth + agency.name


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "address"]
    search_fields = ["code", "name"]
    filter_horizontal = ["agencies"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "personal_id", "email", "is_staff"]
    search_fields = ["username", "full_name", "personal_id", "email"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Thông tin motcua"), {"fields": ("full_name", "personal_id", "phone")}),
    )
    inlines = [StaffRoleInline]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "agency__code", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "agencies"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Made here or with `motcua api-token create`; the secret is shown once, in the message
    after saving. A token is never edited: a system that needs other agencies gets a new one."""

    form = ApiTokenForm
    list_display = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, not deleted: the audit trail names it

    def save_model(self, request, obj, form, change) -> None:
        issued = api_token_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            agency_codes=[a.code for a in form.cleaned_data["agencies"]],
        )
        obj.pk, obj.prefix, obj.name = issued.token.pk, issued.token.prefix, issued.token.name
        messages.warning(
            request,
            gettext("Khóa của %(name)s (chỉ hiện một lần, hãy lưu lại ngay): %(secret)s")
            % {"name": issued.token.name, "secret": issued.secret},
        )

    def save_related(self, request, form, formsets, change) -> None:
        pass  # the service has set the agencies

    @admin.action(description=_("Thu hồi các khóa đã chọn"))
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            api_token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, gettext("Đã thu hồi %(n)d khóa.") % {"n": queryset.count()})
