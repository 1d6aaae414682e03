"""The one thing an administrator does with a second factor: remove it when its phone is lost
(docs/howto/second-factor.md); the person then enrols again at their next sign-in."""

from django.contrib import admin

from motcua.portal.models import SecondFactor


@admin.register(SecondFactor)
class SecondFactorAdmin(admin.ModelAdmin):
    list_display = ("user", "confirmed_at", "failures", "failed_at")
    search_fields = ("user__username", "user__full_name")
    # The secret is never shown again after enrolment.
    fields = ("user", "created_at", "confirmed_at", "failures", "failed_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
