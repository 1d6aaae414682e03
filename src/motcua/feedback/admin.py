from django.contrib import admin

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
