"""Every portal page costs a fixed number of queries, whatever the amount of data: each test
counts a page with a little data, adds much more, counts again, and asserts the same count
under a fixed ceiling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import dossier_record
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.notifications.models import Notification
from motcua.payments.services import payment_record_counter
from motcua.portal.views import SEARCH_PAGE_SIZE
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 30
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def queries(
    client, url: str, data: dict | None = None, *, method: str = "get", status: int = 200
) -> int:
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == status, (url, response.status_code)
    return len(context.captured_queries)


def same_with_more(
    client,
    url: str,
    *,
    grow: Callable[[int], None],
    ceiling: int,
    assert_max: Callable,
    data: dict | None = None,
    method: str = "get",
    status: int = 200,
) -> int:
    """Build FEW rows, count; build up to MANY, count again (under the ceiling); equal."""
    grow(FEW)
    few = queries(client, url, data, method=method, status=status)
    grow(MANY - FEW)
    with assert_max(ceiling):
        many = queries(client, url, data, method=method, status=status)
    assert few == many, f"{url}: {few} queries with {FEW}, {many} with {MANY}"
    return many


# ---------------------------------------------------------------- the catalog


@pytest.fixture
def catalog_grower(db):
    sector = SectorFactory(name="Hộ tịch")
    parent = AgencyFactory(code="000.00.00.H46", name="UBND thành phố Huế", level="province")
    made = []

    def grow(n: int) -> None:
        for _ in range(n):
            i = len(made)
            ward = AgencyFactory(
                code=f"000.50.{i:02d}.H46", name=f"UBND phường {i}", level="commune", parent=parent
            )
            procedure = ProcedureFactory(
                name=f"Đăng ký khai sinh {i}",
                sector=sector,
                level=Procedure.Level.COMMUNE,
                agencies=[ward, made[0][1] if made else ward],
            )
            RequiredDocumentFactory(procedure=procedure, position=1)
            made.append((procedure, ward))

    grow.sector = sector  # type: ignore[attr-defined]
    return grow


def test_home_without_filters(client, catalog_grower, django_assert_max_num_queries):
    # sectors, agencies, the catalog's stamp, the page's ids and count, its procedures
    assert (
        same_with_more(
            client, "/", grow=catalog_grower, ceiling=5, assert_max=django_assert_max_num_queries
        )
        == 5
    )


def test_home_with_every_filter(client, catalog_grower, django_assert_max_num_queries):
    data = {
        "q": "dang ky khai sinh",
        "sector": catalog_grower.sector.pk,
        "level": "commune",
        "agency": "000.50.00.H46",
    }
    same_with_more(
        client,
        "/",
        data=data,
        grow=catalog_grower,
        # + the agency's code resolved
        ceiling=6,
        assert_max=django_assert_max_num_queries,
    )
    # One page of the hits is rendered, the count says how many there are.
    response = client.get("/", data)
    assert len(response.context["procedures"]) == SEARCH_PAGE_SIZE < MANY
    assert response.context["page"].paginator.count == MANY


def test_home_signed_in(client, catalog_grower, citizen, django_assert_max_num_queries):
    client.force_login(citizen)
    # + session, user, unread count
    same_with_more(
        client,
        "/",
        data={"q": "khai sinh"},
        grow=catalog_grower,
        ceiling=8,
        assert_max=django_assert_max_num_queries,
    )


def test_procedure_page(client, agency, django_assert_max_num_queries):
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[agency])

    def grow(n: int) -> None:
        for _ in range(n):
            i = procedure.documents.count() + 1
            RequiredDocumentFactory(procedure=procedure, position=i, name=f"Giấy tờ {i}")
            FeeLineFactory(procedure=procedure, name=f"Phí {i}", amount=1000 * i)
            procedure.agencies.add(AgencyFactory())

    # procedure + documents, fees, agencies, the bundles it belongs to
    same_with_more(
        client, "/thu-tuc/1.001193/", grow=grow, ceiling=5, assert_max=django_assert_max_num_queries
    )


# ---------------------------------------------------------------- public tracking, accounts


def _events(dossier: Dossier, citizen, n: int) -> None:
    for _ in range(n):
        with transaction.atomic():
            dossier_record(actor=citizen, dossier=dossier, action="attach")


def test_tracking_page(client, walker, citizen, django_assert_max_num_queries):
    dossier = walker.dossier_in(State.RECEIVED)
    # the dossier, its events
    same_with_more(
        client,
        f"/tra-cuu/{dossier.code}/",
        grow=lambda n: _events(dossier, citizen, n),
        ceiling=2,
        assert_max=django_assert_max_num_queries,
    )


def _citizens(n: int) -> None:
    for _ in range(n):
        CitizenFactory()


def test_sign_in_page(client, django_assert_max_num_queries):
    same_with_more(
        client, "/dang-nhap/", grow=_citizens, ceiling=0, assert_max=django_assert_max_num_queries
    )


def test_a_refused_sign_in(client, django_assert_max_num_queries):
    CitizenFactory(username="046085009999", personal_id="046085009999")
    same_with_more(
        client,
        "/dang-nhap/",
        method="post",
        data={"username": "046085009999", "password": "sai-mat-khau"},
        status=400,
        grow=_citizens,
        # the lockout windows before and after, the user, the attempt and its audit row
        ceiling=14,
        assert_max=django_assert_max_num_queries,
    )


def test_sign_up_page(client, django_assert_max_num_queries):
    same_with_more(
        client, "/dang-ky/", grow=_citizens, ceiling=0, assert_max=django_assert_max_num_queries
    )


# ---------------------------------------------------------------- the citizen's own pages


def test_my_dossiers(client, walker, citizen, django_assert_max_num_queries):
    client.force_login(citizen)

    def grow(n: int) -> None:
        for i in range(n):
            walker.dossier_in(State.RECEIVED if i % 2 else State.SUBMITTED)

    # session, user, count, page, unread count
    same_with_more(
        client, "/ho-so-cua-toi/", grow=grow, ceiling=5, assert_max=django_assert_max_num_queries
    )


def test_my_dossier_page(
    client, walker, citizen, procedure, reception, django_assert_max_num_queries
):
    FeeLineFactory(procedure=procedure, name="Lệ phí", amount=200_000)
    dossier = walker.dossier_in(State.RECEIVED)
    payment_record_counter(actor=reception, dossier=dossier, method="cash")
    client.force_login(citizen)

    def grow(n: int) -> None:
        for i in range(n):
            with transaction.atomic():
                document_attach(
                    actor=reception,
                    dossier=Dossier.objects.get(pk=dossier.pk),
                    upload=SimpleUploadedFile(f"ban-quet-{i}.png", PNG),
                    kind=DossierDocument.Kind.SCAN,
                )

    # session, user, dossier, events, receipts, documents, roles (may withdraw?), unread count
    same_with_more(
        client,
        f"/ho-so-cua-toi/{dossier.code}/",
        grow=grow,
        ceiling=8,
        assert_max=django_assert_max_num_queries,
    )
    assert Dossier.objects.get(pk=dossier.pk).events.count() > MANY


def test_my_dossier_page_with_signed_results(
    client, walker, citizen, django_assert_max_num_queries
):
    """A dossier with its result: the signed results are one more query, not one per result."""
    from motcua.esign.models import SignedResult

    dossier = walker.dossier_in(State.RESULT_READY)
    approver = walker.approver
    client.force_login(citizen)

    def grow(n: int) -> None:
        for i in range(n):
            # The rows the page reads, without the signing itself (esign's, tested there).
            document = DossierDocument.objects.create(
                dossier=dossier,
                kind=DossierDocument.Kind.RESULT,
                file=ContentFile(PNG, name=f"ket-qua-{i}.png"),
                name=f"ket-qua-{i}.png",
                content_type="image/png",
                size=len(PNG),
                sha256="3" * 64,
                created_at=timezone.now(),
            )
            SignedResult.objects.create(
                document=document,
                token=f"t{document.pk:031d}",
                agency=dossier.agency,
                signer=approver,
                signed_at=timezone.now(),
                sha256="0" * 64,
                unsigned_sha256="1" * 64,
                certificate_subject="CN=thử nghiệm",
                certificate_serial="1",
                certificate_sha256="2" * 64,
            )

    same_with_more(
        client,
        f"/ho-so-cua-toi/{dossier.code}/",
        grow=grow,
        ceiling=9,
        assert_max=django_assert_max_num_queries,
    )
    html = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert html.count("Tải kết quả: ") == MANY


def test_notifications_list(client, walker, citizen, django_assert_max_num_queries):
    client.force_login(citizen)

    def grow(n: int) -> None:
        for _ in range(n):
            dossier = walker.dossier_in(State.SUBMITTED)
            event = dossier.events.order_by("-seq").first()
            Notification.objects.create(
                user=citizen,
                dossier=dossier,
                event=event,
                action=event.action,
                title=f"Hồ sơ {dossier.reference} đã nộp",
                body="Đã nộp trực tuyến.",
                created_at=timezone.now(),
            )

    # session, user, count, page, unread count
    same_with_more(
        client, "/thong-bao/", grow=grow, ceiling=5, assert_max=django_assert_max_num_queries
    )
