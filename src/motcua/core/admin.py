from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.core.audit import audit_record
from motcua.core.models import AuditEvent, CalendarOverride, OutboxMessage
from motcua.core.outbox import outbox_resend


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "reason"]
    list_filter = ["kind"]
    date_hierarchy = "day"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "status", "attempts", "next_attempt_at", "created_at", "sent_at"]
    list_filter = ["topic", "status"]
    readonly_fields = [
        "topic",
        "payload",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    actions = ["resend"]

    @admin.action(description=_("Gửi lại các thông điệp đã chọn"))
    def resend(self, request, queryset):
        count = sum(outbox_resend(message_id=pk) for pk in queryset.values_list("pk", flat=True))
        audit_record(
            actor=request.user, action="outbox.resend", object_type="outbox", data={"count": count}
        )
        self.message_user(
            request, _("Đã đưa lại %(count)s thông điệp vào hàng đợi.") % {"count": count}
        )

    def has_add_permission(self, request):
        return False
