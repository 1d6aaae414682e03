"""Answering a supplement request online: exactly what was asked, every item attached (or an
earlier result reused), then the clock resumes as §5 says."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.worktime import TZ
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_supplement_answer
from tests.factories import CitizenFactory
from tests.portal.apply_fixtures import (  # noqa: F401
    EARLIER,
    EXE,
    PDF,
    PNG,
    _media,
    birth,
    known_citizen,
    online_draft,
    upload,
)
from tests.verbs import dossier_receive, dossier_request_supplement, dossier_submit

pytestmark = pytest.mark.django_db

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
WEDNESDAY_10 = datetime(2026, 3, 4, 10, 0, tzinfo=TZ)
MISSING = ["Giấy chứng sinh", "Giấy xác nhận nơi cư trú của người mẹ"]


@pytest.fixture
def now(monkeypatch):
    """The citizen answers on Wednesday 4 March 2026, 10:00."""
    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY_10)
    return WEDNESDAY_10


@pytest.fixture
def asked(known_citizen, birth, agency, reception):
    """Submitted Monday 09:00, received 09:30 (due Tuesday 09:30 with 1 d), supplement
    requested 10:00 with two items and a deadline."""
    dossier = online_draft(known_citizen, birth, agency, form_data=EARLIER, at=MONDAY_9)
    dossier = dossier_submit(actor=known_citizen, dossier=dossier, at=MONDAY_9)
    dossier = dossier_receive(
        actor=reception, dossier=dossier, at=datetime(2026, 3, 2, 9, 30, tzinfo=TZ)
    )
    assert dossier.due_at == datetime(2026, 3, 3, 9, 30, tzinfo=TZ)
    return dossier_request_supplement(
        actor=reception,
        dossier=dossier,
        missing=MISSING,
        due_at=datetime(2026, 3, 9, 17, 0, tzinfo=TZ),
        at=datetime(2026, 3, 2, 10, 0, tzinfo=TZ),
        note="Giấy chứng sinh chụp bị mờ, không đọc được số.",
    )


def url(dossier: Dossier) -> str:
    return f"/nop-bo-sung/{dossier.public_code}/"


def test_the_page_shows_exactly_what_was_asked(client, known_citizen, asked):
    client.force_login(known_citizen)
    response = client.get(url(asked))
    assert response.status_code == 200
    assert [s["item"] for s in response.context["slots"]] == MISSING
    assert response.context["slots"][0]["document"].name == "Giấy chứng sinh"
    assert response.context["slots"][1]["document"] is None
    text = response.content.decode()
    assert 'data-testid="due">17:00 09/03/2026<' in text
    assert "Giấy chứng sinh chụp bị mờ, không đọc được số." in text
    assert 'name="tep_bs_0"' in text and 'name="tep_bs_1"' in text


def test_answering_resumes_the_clock_with_the_paused_working_time(
    client, known_citizen, asked, now
):
    client.force_login(known_citizen)
    response = client.post(
        url(asked),
        {"tep_bs_0": upload(PNG, "chung-sinh.png"), "tep_bs_1": upload(PDF, "xac-nhan.pdf")},
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=asked.pk)
    assert dossier.state == State.RECEIVED
    # Paused Monday 10:00 → Wednesday 10:00 = 16 working hours; due Tuesday 09:30 moves to
    # Thursday 09:30.
    assert dossier.due_at == datetime(2026, 3, 5, 9, 30, tzinfo=TZ)
    assert (dossier.paused_at, dossier.supplement_due_at, dossier.supplement_count) == (
        None,
        None,
        1,
    )
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.at, event.payload["paused_working_minutes"]) == (
        Action.PROVIDE_SUPPLEMENT,
        WEDNESDAY_10,
        960,
    )
    documents = list(dossier.documents.order_by("id"))
    assert event.payload["documents"] == [d.pk for d in documents]
    assert [
        (d.name, d.content_type, getattr(d.required_document, "name", None)) for d in documents
    ] == [
        ("chung-sinh.png", "image/png", "Giấy chứng sinh"),
        ("xac-nhan.pdf", "application/pdf", None),
    ]
    page = client.get(response["Location"])
    assert "Đã nộp bổ sung hồ sơ" in page.content.decode()
    assert page.context["pending"] is False


def test_every_listed_item_must_be_attached(client, known_citizen, asked, now):
    client.force_login(known_citizen)
    response = client.post(url(asked), {"tep_bs_0": upload()})
    assert response.status_code == 400
    assert [s["error"] for s in response.context["slots"]] == ["", "Chưa đính kèm giấy tờ này."]
    dossier = Dossier.objects.get(pk=asked.pk)
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    assert dossier.documents.count() == 0


def test_a_disguised_file_is_refused(client, known_citizen, asked, now):
    client.force_login(known_citizen)
    response = client.post(
        url(asked), {"tep_bs_0": upload(EXE, "chung-sinh.pdf"), "tep_bs_1": upload()}
    )
    assert response.status_code == 400
    assert response.context["slots"][0]["error"].startswith(
        "Tệp “chung-sinh.pdf” không phải PDF, JPEG hoặc PNG"
    )
    assert Dossier.objects.get(pk=asked.pk).state == State.SUPPLEMENT_REQUESTED
    assert DossierDocument.objects.count() == 0


def test_an_earlier_result_can_be_reused_for_a_listed_document(
    client, known_citizen, asked, now, birth, agency
):
    older = online_draft(known_citizen, birth, agency, at=MONDAY_9)
    result = DossierDocument(
        dossier=older,
        kind=DossierDocument.Kind.RESULT,
        name="giay-chung-sinh-ban-sao.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=MONDAY_9,
    )
    result.file.save("kq", ContentFile(PDF), save=False)
    result.save()
    # Only issued results are in the store: the older dossier stands for one returned.
    Dossier.objects.filter(pk=older.pk).update(state=State.RETURNED)
    client.force_login(known_citizen)
    # Offered only where the listed document takes birth-registration results.
    assert client.get(url(asked)).context["slots"][0]["sources"] == []
    birth.documents.filter(name="Giấy chứng sinh").update(accepts_results_of=[birth.code])
    assert client.get(url(asked)).context["slots"][0]["sources"] == [result]
    response = client.post(url(asked), {"dung_lai_bs_0": str(result.pk), "tep_bs_1": upload()})
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=asked.pk)
    assert dossier.state == State.RECEIVED
    assert dossier.reused_data is True
    assert dossier.documents.filter(reused_from=result).count() == 1


def test_nobody_else_can_answer(client, asked, reception, now):
    before = (asked.version, asked.state)
    client.force_login(CitizenFactory(username="046192005678", personal_id="046192005678"))
    assert client.get(url(asked)).status_code == 404
    assert client.post(url(asked), {"tep_bs_0": upload(), "tep_bs_1": upload()}).status_code == 404
    client.logout()
    assert client.get(url(asked))["Location"] == f"/dang-nhap/?next={url(asked)}"
    client.force_login(reception)  # staff use the counter, not the citizen's page
    assert client.post(url(asked), {"tep_bs_0": upload(), "tep_bs_1": upload()}).status_code == 403
    dossier = Dossier.objects.get(pk=asked.pk)
    assert (dossier.version, dossier.state, dossier.documents.count()) == (*before, 0)


def test_without_a_pending_request_there_is_nothing_to_answer(client, known_citizen, birth, agency):
    dossier = online_draft(known_citizen, birth, agency)
    dossier = dossier_submit(actor=known_citizen, dossier=dossier)
    client.force_login(known_citizen)
    page = client.get(url(dossier))
    assert 'data-testid="no-request"' in page.content.decode()
    assert client.post(url(dossier), {"tep_bs_0": upload()}).status_code == 409


def test_a_supplement_before_reception_returns_to_the_queue(
    client, known_citizen, birth, agency, reception
):
    dossier = online_draft(known_citizen, birth, agency)
    dossier = dossier_submit(actor=known_citizen, dossier=dossier)
    dossier = dossier_request_supplement(
        actor=reception, dossier=dossier, missing=["Giấy chứng sinh"]
    )
    client.force_login(known_citizen)
    assert client.post(url(dossier), {"tep_bs_0": upload()}).status_code == 302
    dossier.refresh_from_db()
    assert (dossier.state, dossier.due_at, dossier.supplement_count) == (State.SUBMITTED, None, 0)


# ---------------------------------------------------------------- one write per intent


def _events_after(dossier: Dossier, seq: int) -> list[str]:
    return list(dossier.events.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True))


def _asked_of(citizen, birth, agency, reception) -> Dossier:
    dossier = online_draft(citizen, birth, agency, form_data=EARLIER, at=MONDAY_9)
    dossier = dossier_submit(actor=citizen, dossier=dossier, at=MONDAY_9)
    dossier = dossier_receive(
        actor=reception, dossier=dossier, at=datetime(2026, 3, 2, 9, 30, tzinfo=TZ)
    )
    return dossier_request_supplement(
        actor=reception,
        dossier=dossier,
        missing=MISSING,
        due_at=datetime(2026, 3, 9, 17, 0, tzinfo=TZ),
        at=datetime(2026, 3, 2, 10, 0, tzinfo=TZ),
    )


def test_two_files_answer_with_one_attach_and_one_provide_supplement(
    client, known_citizen, asked, now, birth, agency, reception
):
    # Given another citizen's dossier waiting for the same supplement, which must not move.
    neighbour = CitizenFactory(username="046192005679", personal_id="046192005679")
    other = _asked_of(neighbour, birth, agency, reception)
    other_before = (other.version, other.state, other.events.count())
    shown, last = asked.version, asked.events.order_by("-seq").first().seq
    client.force_login(known_citizen)
    response = client.post(
        url(asked),
        {"tep_bs_0": upload(PNG, "chung-sinh.png"), "tep_bs_1": upload(PDF, "xac-nhan.pdf")},
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=asked.pk)
    # The two files are one attach; the answer is one provide_supplement: two versions.
    assert _events_after(dossier, last) == ["attach", "provide_supplement"]
    assert dossier.version == shown + 2
    documents = [d.pk for d in dossier.documents.order_by("pk")]
    assert dossier.events.get(action="attach").payload == {
        "documents": documents,
        "kind": DossierDocument.Kind.SUBMITTED,
    }
    other.refresh_from_db()
    assert (other.version, other.state, other.events.count()) == other_before


def test_an_upload_and_a_reused_result_answer_with_one_event_each(
    client, known_citizen, asked, now, birth, agency
):
    older = online_draft(known_citizen, birth, agency, at=MONDAY_9)
    result = DossierDocument(
        dossier=older,
        kind=DossierDocument.Kind.RESULT,
        name="giay-chung-sinh-ban-sao.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=MONDAY_9,
    )
    result.file.save("kq", ContentFile(PDF), save=False)
    result.save()
    Dossier.objects.filter(pk=older.pk).update(state=State.RETURNED)
    birth.documents.filter(name="Giấy chứng sinh").update(accepts_results_of=[birth.code])
    shown, last = asked.version, asked.events.order_by("-seq").first().seq
    client.force_login(known_citizen)
    response = client.post(url(asked), {"dung_lai_bs_0": str(result.pk), "tep_bs_1": upload()})
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=asked.pk)
    assert _events_after(dossier, last) == ["attach", "reuse", "provide_supplement"]
    assert dossier.version == shown + 3
    uploaded = dossier.documents.get(reused_from__isnull=True)
    linked = dossier.documents.get(reused_from=result)
    assert dossier.events.get(action="provide_supplement").payload["documents"] == [
        uploaded.pk,
        linked.pk,
    ]


def test_a_stale_answer_is_refused_and_changes_nothing(known_citizen, asked, now):
    shown = asked.version
    Dossier.objects.filter(pk=asked.pk).update(version=shown + 1)  # someone else wrote since
    with pytest.raises(Conflict):
        dossier_supplement_answer(
            actor=known_citizen,
            dossier=asked,
            answers={0: upload(), 1: upload()},
            expected_version=shown,
        )
    dossier = Dossier.objects.get(pk=asked.pk)
    assert (dossier.version, dossier.state, dossier.documents.count()) == (
        shown + 1,
        State.SUPPLEMENT_REQUESTED,
        0,
    )


def test_a_result_that_does_not_fit_the_item_is_refused_on_its_slot(
    client, known_citizen, asked, now, birth, agency
):
    older = online_draft(known_citizen, birth, agency, at=MONDAY_9)
    result = DossierDocument(
        dossier=older,
        kind=DossierDocument.Kind.RESULT,
        name="ket-qua-khac.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=MONDAY_9,
    )
    result.file.save("kq", ContentFile(PDF), save=False)
    result.save()
    Dossier.objects.filter(pk=older.pk).update(state=State.RETURNED)
    # The birth certificate takes no earlier results: posting one anyway is refused there.
    with pytest.raises(ValidationFailed) as refused:
        dossier_supplement_answer(
            actor=known_citizen, dossier=asked, answers={0: result, 1: upload()}
        )
    assert list(refused.value.fields) == ["item_0"]
    assert refused.value.fields["item_0"].startswith("Kết quả “ket-qua-khac.pdf”")
    assert Dossier.objects.get(pk=asked.pk).state == State.SUPPLEMENT_REQUESTED
    assert DossierDocument.objects.filter(dossier=asked).count() == 0
