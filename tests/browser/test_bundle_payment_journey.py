"""A citizen pays a bundle's fees once in a real browser: on the bundle's tracking page,
"Thanh toán một lần" for what the parts still owe, the sandbox gateway's page with the
total, and back on the tracking page every part that owed is paid, each with its own
receipt. Every page on the way passes axe-core."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from motcua.catalog.models import Procedure
from motcua.catalog.services import catalog_import
from motcua.core.worktime import TZ
from motcua.demo.bundles import BIRTH_ANSWERS, bundle_demo_apply, demo_bundles_define
from motcua.demo.eforms import demo_eforms_load
from motcua.demo.services import CATALOG
from motcua.directory.models import Division
from motcua.dossiers.models import Dossier
from motcua.payments.models import GroupOrder, Payment, Status
from tests.factories import CitizenFactory
from tests.payments.conftest import sandbox_config


@pytest.mark.django_db(transaction=True)
def test_pay_a_bundle_once_and_see_every_part_paid(
    live_server, page, signed_in, accessible, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    settings.MOTCUA_PUBLIC_URL = live_server.url
    # A transactional test before this one on the same worker emptied every table, the
    # communes the demo's agencies name among them: load them again as migration 0002 does.
    if not Division.objects.exists():
        import_module("motcua.directory.migrations.0002_load_divisions").load(apps, None)
    catalog_import(actor=None, data=json.loads(CATALOG.read_text(encoding="utf-8")))
    demo_eforms_load()
    birth_bundle, _death = demo_bundles_define()
    Procedure.objects.filter(code__in=["1.001193", "1.004222", "1.013201"]).update(
        accepts_online_payment=True
    )
    citizen = CitizenFactory(username="046085001234", personal_id="046085001234")
    application = bundle_demo_apply(
        bundle=birth_bundle,
        applicant=citizen,
        answers=BIRTH_ANSWERS,
        at=datetime(2026, 11, 16, 8, 0, tzinfo=TZ),
    )
    # What each part owes, as announced at submission: 8,000 + 0 + 2,000.
    parts = list(application.parts.order_by("member__position"))
    for part, fee in zip(parts, (8_000, 0, 2_000), strict=True):
        Dossier.objects.filter(pk=part.dossier_id).update(fee_amount=fee)

    signed_in(page, live_server, citizen.username)
    page.goto(f"{live_server.url}/lien-thong/tra-cuu/{application.code}/")
    expect(page.get_by_test_id("bundle-pay")).to_have_text("Thanh toán một lần 10.000 đồng")
    accessible(page)
    page.get_by_test_id("bundle-pay").click()

    page.wait_for_url("**/thanh-toan/sandbox/sandbox/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("10.000 đồng")
    accessible(page)
    page.get_by_role("button", name="Thanh toán thành công").click()

    page.wait_for_url(f"**/lien-thong/tra-cuu/{application.code}/**")
    page.reload()
    paid = page.get_by_test_id("part-paid")
    expect(paid).to_have_count(2)
    expect(paid.nth(0)).to_contain_text("Đã thanh toán 8.000 đồng")
    expect(paid.nth(1)).to_contain_text("Đã thanh toán 2.000 đồng")
    expect(page.get_by_test_id("bundle-pay")).to_have_count(0)
    accessible(page)
    order = GroupOrder.objects.get()
    assert (order.status, order.amount) == (Status.PAID, 10_000)
    assert sorted(
        Payment.objects.filter(group=order, status=Status.PAID).values_list("amount", flat=True)
    ) == [2_000, 8_000]
