"""The demo's signed results: played through the services after the PKI exists, valid when
verified, at working moments before the demo's now, and made once."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from motcua.core.calendar import working_calendar
from motcua.core.worktime import TZ
from motcua.demo.results import AN, BINH, Outcome, demo_sign_results
from motcua.demo.services import demo_load
from motcua.directory.models import Agency
from motcua.dossiers.documents import store_documents_of
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.esign.models import SignedResult
from motcua.esign.pki import demo_pki_ensure
from motcua.esign.services import result_for_download
from motcua.esign.verify import result_verify

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
SUNDAY = datetime(2026, 11, 29, 20, 0, tzinfo=TZ)

# (applicant, procedure, agency) → state the signed dossier is left in.
EXPECTED = {
    (AN, "2.000488", "000.00.11.H46"): State.RETURNED,
    (AN, "1.001193", "000.50.01.H46"): State.RETURNED,
    (AN, "2.000720", "000.50.01.H46"): State.RESULT_READY,
    (BINH, "2.000488", "000.00.11.H46"): State.RESULT_READY,
    (BINH, "1.004222", "000.00.21.H46"): State.RETURNED,
}


# The two tests that need a database without the module's demo come first in the file: pytest
# keeps their place, so they run before `signed_demo` is built (it lives until the module ends).


@pytest.mark.django_db
def test_nothing_happens_before_the_demo_is_loaded(capsys):
    call_command("demo_sign_results")

    assert capsys.readouterr().out == "Chưa nạp dữ liệu mẫu; bỏ qua ký số kết quả mẫu.\n"
    assert (Dossier.objects.count(), SignedResult.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_without_the_pki_it_refuses_and_leaves_nothing_behind(tmp_path, settings):
    settings.MOTCUA_ESIGN_DIR = str(tmp_path)
    settings.MOTCUA_ESIGN_KEY_DIR = str(tmp_path / "agencies")
    demo_load(dossiers=0, seed=11, now=WEDNESDAY)
    counts = (Dossier.objects.count(), DossierEvent.objects.count())

    with pytest.raises(CommandError, match="chưa có chứng thư số"):
        call_command("demo_sign_results")

    assert (Dossier.objects.count(), DossierEvent.objects.count()) == counts
    assert SignedResult.objects.count() == 0


@pytest.fixture(scope="module", params=[WEDNESDAY, SUNDAY], ids=["wednesday", "sunday"])
def signed_demo(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """A small demo, its PKI in a temporary folder and the signing step, once per `now`;
    rolled back afterwards so later tests start clean."""
    now = request.param
    pki = tmp_path_factory.mktemp("pki")
    with (
        override_settings(
            MOTCUA_ESIGN_DIR=str(pki),
            MOTCUA_ESIGN_KEY_DIR=str(pki / "agencies"),
            MOTCUA_ESIGN_TRUST_ROOTS=[str(pki / "ca.pem")],
            MOTCUA_ESIGN_SIGNER="motcua.esign.signing.AgencyKeySigner",
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_load(dossiers=10, seed=11, now=now)
        demo_pki_ensure(Agency.objects.order_by("code"))
        outcome = demo_sign_results(now=now)
        yield now, outcome
        transaction.set_rollback(True)


def _signed_dossiers() -> list[Dossier]:
    return list(
        Dossier.objects.filter(documents__signature__isnull=False)
        .select_related("procedure", "agency", "applicant")
        .order_by("id")
    )


@pytest.mark.django_db
def test_five_signed_results_for_the_two_demo_citizens(signed_demo):
    _now, outcome = signed_demo

    assert outcome == Outcome(5)
    assert SignedResult.objects.count() == 5
    dossiers = _signed_dossiers()
    assert {
        (d.applicant_id_number, d.procedure.code, d.agency.code): d.state for d in dossiers
    } == EXPECTED
    assert sorted(d.applicant.username for d in dossiers) == [AN, AN, AN, BINH, BINH]
    assert all(d.e_result and d.result_to_store for d in dossiers)
    # At Sở Tư pháp the documented accounts do the work, so they see it on their own pages.
    justice = [d for d in dossiers if d.agency.code == "000.00.11.H46"]
    assert set(
        SignedResult.objects.filter(document__dossier__in=justice).values_list(
            "signer__username", flat=True
        )
    ) == {"pheduyet"}


@pytest.mark.django_db
def test_every_signed_result_verifies_and_its_owner_can_download_it(signed_demo):
    for result in SignedResult.objects.select_related("document__dossier__applicant"):
        owner = result.document.dossier.applicant

        document, data = result_for_download(actor=owner, document_id=result.document_id)

        verdict = result_verify(data)
        assert (verdict.code, verdict.record) == ("valid", result)
        assert document == result.document


@pytest.mark.django_db
def test_the_results_are_in_the_citizens_data_stores(signed_demo):
    an = set(store_documents_of(AN).values_list("signature__id", flat=True))
    binh = set(store_documents_of(BINH).values_list("signature__id", flat=True))

    assert (len(an), len(binh)) == (3, 2)
    assert an | binh == set(SignedResult.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_every_moment_is_working_time_before_the_demos_now(signed_demo):
    now, _outcome = signed_demo
    for dossier in _signed_dossiers():
        calendar = working_calendar(dossier.agency.office_hours)
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
        assert [e.action for e in events][-2:] in (
            ["result_signed", "approve"],
            ["approve", "return"],
        )
        for event in events:
            at = event.at.astimezone(TZ)
            assert at <= now
            assert any(start <= at <= end for start, end in calendar.periods_on(at.date())), (
                dossier.procedure.code,
                event.action,
                at,
            )
        signed = dossier.documents.get(signature__isnull=False).signature
        approved = next(e for e in events if e.action == "approve")
        assert signed.signed_at == approved.at


@pytest.mark.django_db
def test_a_second_run_creates_nothing(signed_demo):
    now, _outcome = signed_demo
    counts = (Dossier.objects.count(), SignedResult.objects.count(), DossierEvent.objects.count())

    again = demo_sign_results(now=now)

    assert again == Outcome(0, skipped="already_signed")
    assert (
        Dossier.objects.count(),
        SignedResult.objects.count(),
        DossierEvent.objects.count(),
    ) == counts
