"""Data migrations' work, kept out of the migration files so that tests can call it (as in
`dossiers/backfills.py`): each function uses only the historical models of the `apps` it is
given."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery


def payment_snapshot_backfill(apps: Any) -> int:
    """Fill the receipt's names on payments made before `Payment` kept them; returns how many.

    Those receipts read the agency, the procedure and the payer live until now, so today's
    values are what they showed: copying them keeps every issued receipt as it reads today."""
    Payment = apps.get_model("payments", "Payment")
    Dossier = apps.get_model("dossiers", "Dossier")

    def of_dossier(path: str) -> Subquery:
        return Subquery(Dossier.objects.filter(pk=OuterRef("dossier_id")).values(path)[:1])

    return Payment.objects.filter(agency_name="").update(
        agency_code=of_dossier("agency__code"),
        agency_name=of_dossier("agency__name"),
        procedure_code=of_dossier("procedure__code"),
        procedure_name=of_dossier("procedure__name"),
        payer_name=of_dossier("applicant_name"),
    )


def duplicate_payments_to_refunds(apps: Any) -> int:
    """Before one paid payment per dossier was enforced, a dossier could hold two: keep the
    first paid (the receipt the applicant was given first) and turn each later one into an
    open refund for the dossier's agency. Returns how many refunds were opened."""
    Payment = apps.get_model("payments", "Payment")
    Refund = apps.get_model("payments", "Refund")
    opened = 0
    paid = Payment.objects.filter(status="paid").order_by("dossier_id", "paid_at", "id")
    kept: Any = None
    for payment in paid.select_related("dossier").iterator():
        if kept is None or kept.dossier_id != payment.dossier_id:
            kept = payment
            continue
        Payment.objects.filter(pk=payment.pk).update(status="overpaid", receipt_no=None)
        Refund.objects.create(
            payment=payment,
            kept=kept,
            dossier_id=payment.dossier_id,
            agency_id=payment.dossier.agency_id,
            amount=payment.amount,
            created_at=payment.paid_at,
        )
        opened += 1
    return opened
