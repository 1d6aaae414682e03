from django.contrib import admin

from motcua.core.audit import audit_record
from motcua.dossiers.models import Dossier, DossierEvent


class DossierEventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    fields = _EVENT_FIELDS = ("seq", "at", "actor", "action", "from_state", "to_state", "note")
    readonly_fields = _EVENT_FIELDS

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: state changes go through the lifecycle service, never through this form."""

    list_display = ["code", "reference", "procedure", "agency", "channel", "state", "due_at"]
    list_filter = ["state", "channel", "agency"]
    search_fields = ["code", "reference"]
    list_select_related = ["procedure", "agency"]
    inlines = [DossierEventInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Personal data on this page: every staff read is audited (§10).
        audit_record(
            actor=request.user, action="dossier.read", object_type="dossier", object_id=object_id
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
