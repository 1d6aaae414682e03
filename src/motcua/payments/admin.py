"""Read-only views for the operator: payments, refunds and the notifications received.
Payments change only through the services (a notification, reconciliation, the counter);
refunds are settled by the agency's one-stop staff on /thanh-toan/hoan-tien/."""

from django.contrib import admin

from motcua.payments.models import Notification, Payment, Refund


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    # No applicant names in the list: references and amounts are enough to reconcile.
    list_display = [
        "order_ref",
        "receipt_no",
        "method",
        "gateway",
        "amount",
        "status",
        "created_at",
    ]
    list_filter = ["status", "method", "gateway"]
    search_fields = ["order_ref", "receipt_no", "gateway_txn"]
    exclude = ["dossier", "recorded_by", "payer_name"]


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ["received_at", "gateway", "order_ref", "reported_status", "outcome"]
    list_filter = ["gateway", "outcome"]
    search_fields = ["order_ref", "notification_id"]


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ["payment", "agency", "amount", "state", "created_at", "settled_at"]
    list_filter = ["state", "agency"]
    search_fields = ["payment__order_ref", "kept__order_ref"]
    exclude = ["dossier", "settled_by"]
