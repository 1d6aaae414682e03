from django.contrib import admin

from motcua.core.audit import audit_record
from motcua.feedback.models import Petition, PetitionEvent


class PetitionEventInline(admin.TabularInline):
    model = PetitionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("seq", "at", "actor", "action", "from_state", "to_state", "payload")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    """Read-only: petitions change through `feedback.services` only."""

    list_display = ("reference", "agency", "kind", "state", "created_at", "due_at", "answered_at")
    list_filter = ("state", "kind")
    search_fields = ("reference",)
    inlines = [PetitionEventInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The page shows the sender, the content and the dossier: every staff read is audited
        # (§10). Only a page actually shown is a read; a refusal or a missing petition is not.
        if response.status_code == 200:
            audit_record(
                actor=request.user,
                action="petition.read",
                object_type="petition",
                object_id=object_id,
            )
        return response

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
