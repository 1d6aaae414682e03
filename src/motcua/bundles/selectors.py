"""Bundle reads: the active bundles (and those a procedure belongs to), an application with
its parts, read in a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.bundles.models import Bundle, BundleApplication, BundleMember
from motcua.bundles.status import BundleStatus, bundle_status_of
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier
from motcua.payments.models import Status as PaymentStatus
from motcua.payments.selectors import PAYABLE_STATES, dossier_fee_due


def bundles_active() -> QuerySet[Bundle]:
    return Bundle.objects.filter(is_active=True).order_by("name")


def bundles_with_procedure(procedure_id: int) -> list[Bundle]:
    return list(bundles_active().filter(members__procedure_id=procedure_id).distinct())


def bundle_get(code: str) -> Bundle:
    bundle = bundles_active().filter(code=code[:40]).first()
    if bundle is None:
        raise NotFound(f"Không tìm thấy nhóm thủ tục liên thông {code}.")
    return bundle


def bundle_members(bundle: Bundle) -> list[BundleMember]:
    return list(
        bundle.members.select_related("procedure", "waits_for__procedure")
        .prefetch_related("procedure__agencies", "procedure__fees")
        .order_by("position")
    )


def application_get(code: str) -> BundleApplication:
    application = (
        BundleApplication.objects.select_related("bundle").filter(code=code.strip()[:16]).first()
    )
    if application is None or not code.strip():
        raise NotFound(f"Không tìm thấy hồ sơ liên thông {code}.")
    return application


def application_status(application: BundleApplication) -> BundleStatus:
    parts = list(
        application.parts.select_related(
            "member__procedure", "dossier__agency", "dossier__procedure"
        ).order_by("member__position")
    )
    return bundle_status_of([(p.member, p.dossier) for p in parts])


def application_outstanding(application: BundleApplication) -> list[tuple[Dossier, int]]:
    """The children whose fees are still owed and may be paid online, with what each owes
    (VND): what "Thanh toán một lần" pays. A child paid, free, closed or whose procedure
    takes no online payment is not in it."""
    dossiers = [
        p.dossier
        for p in application.parts.select_related("dossier__procedure", "dossier__agency").order_by(
            "member__position"
        )
    ]
    paid = set(
        Dossier.objects.filter(
            pk__in=[d.pk for d in dossiers], payments__status=PaymentStatus.PAID
        ).values_list("pk", flat=True)
    )
    owed = []
    for dossier in dossiers:
        if (
            dossier.pk in paid
            or dossier.fee_amount <= 0
            or dossier.state not in PAYABLE_STATES
            or not dossier.procedure.accepts_online_payment
        ):
            continue
        amount = dossier_fee_due(dossier).amount
        if amount > 0:
            owed.append((dossier, amount))
    return owed
