from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from motcua.directory.models import Agency, Division, Office, StaffRole, User


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


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "tree_name", "level", "parent", "office_hours"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "division", "merged_into"]
    list_select_related = ["parent"]
    inlines = [ChildAgencyInline]

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
