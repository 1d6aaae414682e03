from django.contrib import admin

from motcua.esign.models import SignedResult


@admin.register(SignedResult)
class SignedResultAdmin(admin.ModelAdmin):
    """Read-only: a signature is made by the approval, never typed in."""

    list_display = ["token", "agency", "signer", "signed_at", "certificate_serial"]
    list_select_related = ["agency", "signer"]
    search_fields = ["token", "sha256", "certificate_serial"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
