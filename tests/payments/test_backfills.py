"""Migration payments 0002: payments made before `Payment` kept the receipt's names get them
from the live rows — what their receipts showed until then — on the historical models."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from motcua.core.worktime import TZ
from motcua.dossiers.models import Dossier, State
from motcua.payments.backfills import payment_snapshot_backfill
from motcua.payments.models import Payment

pytestmark = pytest.mark.django_db


def old_payment(dossier: Dossier, ref: str, **snapshot) -> Payment:
    """A row as the migration finds it: no names unless given."""
    return Payment.objects.create(
        dossier=dossier,
        amount=150_000,
        method="cash",
        status="paid",
        order_ref=ref,
        receipt_no=f"BL-{ref}",
        created_at=datetime(2026, 3, 2, 10, tzinfo=TZ),
        paid_at=datetime(2026, 3, 2, 10, tzinfo=TZ),
        **snapshot,
    )


def test_old_payments_take_the_live_names_and_new_ones_keep_theirs(walker, agency):
    dossier = walker.dossier_in(State.RECEIVED)
    old = old_payment(dossier, "A1")
    kept = {
        "agency_code": "H99.1",
        "agency_name": "Tên lúc thu",
        "procedure_code": "9.9",
        "procedure_name": "Thủ tục lúc thu",
        "payer_name": "Người nộp lúc thu",
    }
    # Another dossier: a dossier holds one paid payment (`payment_one_paid_per_dossier`).
    new = old_payment(walker.dossier_in(State.RECEIVED), "A2", **kept)
    apps = MigrationLoader(connection).project_state(("payments", "0002_payment_snapshot")).apps

    assert payment_snapshot_backfill(apps) == 1
    assert payment_snapshot_backfill(apps) == 0

    fields = list(kept)
    assert Payment.objects.values(*fields).get(pk=old.pk) == {
        "agency_code": agency.code,
        "agency_name": agency.name,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "payer_name": dossier.applicant_name,
    }
    assert Payment.objects.values(*fields).get(pk=new.pk) == kept
