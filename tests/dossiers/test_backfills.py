"""Migration dossiers 0005: `paid_online_at` for dossiers paid online before the field existed,
run on the historical models the migration gets."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from motcua.core.worktime import TZ
from motcua.dossiers.backfills import paid_online_at_backfill
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Payment

pytestmark = pytest.mark.django_db


def apps_at(app: str, migration: str):
    return MigrationLoader(connection).project_state((app, migration)).apps


def payment(dossier: Dossier, ref: str, *, method="online", status="paid", paid_at=None):
    return Payment.objects.create(
        dossier=dossier,
        amount=150_000,
        method=method,
        status=status,
        gateway="sandbox" if method == "online" else "",
        order_ref=ref,
        receipt_no=f"BL-{ref}" if status == "paid" else None,
        created_at=paid_at or datetime(2026, 3, 1, tzinfo=TZ),
        paid_at=paid_at,
    )


def before_the_field(dossier: Dossier, *, paid_online: bool) -> None:
    """The dossier as the migration finds it: the flag, no moment."""
    Dossier.objects.filter(pk=dossier.pk).update(paid_online=paid_online, paid_online_at=None)


def test_the_earliest_online_payment_else_reception(walker):
    # One paid row per dossier (a later confirmation is an overpayment): the moment is the
    # paid online row's, not a failed attempt's before it or the overpayment's after it.
    two_paid = walker.dossier_in(State.RECEIVED)
    payment(two_paid, "A1", status="failed", paid_at=datetime(2026, 3, 2, 11, tzinfo=TZ))
    payment(two_paid, "A2", status="overpaid", paid_at=datetime(2026, 3, 5, 8, tzinfo=TZ))
    payment(two_paid, "A3", paid_at=datetime(2026, 3, 3, 15, tzinfo=TZ))
    payment(two_paid, "A4", status="pending")
    before_the_field(two_paid, paid_online=True)
    imported = walker.dossier_in(State.RECEIVED)  # history without payment rows
    payment(imported, "B1", status="failed")
    before_the_field(imported, paid_online=True)
    cash_only = walker.dossier_in(State.RECEIVED)
    payment(cash_only, "C1", method="cash", paid_at=datetime(2026, 3, 2, 11, tzinfo=TZ))
    before_the_field(cash_only, paid_online=False)
    already = walker.dossier_in(State.RECEIVED)
    Dossier.objects.filter(pk=already.pk).update(
        paid_online=True, paid_online_at=datetime(2026, 3, 9, tzinfo=TZ)
    )

    changed = paid_online_at_backfill(apps_at("dossiers", "0005_backfill_paid_online_at"))

    assert changed == 2
    moments = dict(Dossier.objects.values_list("pk", "paid_online_at"))
    assert moments == {
        two_paid.pk: datetime(2026, 3, 3, 15, tzinfo=TZ),
        imported.pk: Dossier.objects.get(pk=imported.pk).received_at,
        cash_only.pk: None,
        already.pk: datetime(2026, 3, 9, tzinfo=TZ),
    }
    assert moments[imported.pk] is not None


def test_without_the_payments_app_reception_is_the_moment(walker):
    dossier = walker.dossier_in(State.RECEIVED)
    payment(dossier, "A1", paid_at=datetime(2026, 3, 5, 8, tzinfo=TZ))
    before_the_field(dossier, paid_online=True)
    apps = apps_at("dossiers", "0004_dossier_paid_online_at")
    with pytest.raises(LookupError):
        apps.get_model("payments", "Payment")

    assert paid_online_at_backfill(apps) == 1

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.paid_online_at == stored.received_at


def test_running_it_again_changes_nothing(walker):
    dossier = walker.dossier_in(State.RECEIVED)
    payment(dossier, "A1", paid_at=datetime(2026, 3, 5, 8, tzinfo=TZ))
    before_the_field(dossier, paid_online=True)
    apps = apps_at("dossiers", "0005_backfill_paid_online_at")
    paid_online_at_backfill(apps)

    assert paid_online_at_backfill(apps) == 0
    assert Dossier.objects.get(pk=dossier.pk).paid_online_at == datetime(2026, 3, 5, 8, tzinfo=TZ)
