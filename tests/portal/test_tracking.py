"""Public tracking (§10, §11): anyone with the code, no personal data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import PREVIOUS, TABLE, Action, dossier_record
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent, Rating, State
from motcua.dossiers.public import public_milestones
from motcua.dossiers.services import dossier_create, dossier_form_save, dossier_rate
from tests.factories import CitizenFactory, RequiredDocumentFactory
from tests.walker import T0

pytestmark = pytest.mark.django_db


def test_the_public_api_shows_progress_without_personal_data(client, walker, citizen):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    body = client.get(f"/api/v1/dossiers/{dossier.code}/public").json()
    assert (body["code"], body["state"], body["state_label"]) == (
        dossier.code,
        "in_progress",
        "Đang xử lý",
    )
    assert body["procedure"] == {"code": "2.000488", "name": "Cấp Phiếu lý lịch tư pháp"}
    # The draft's creation and the second forward (between officers, the state unchanged)
    # are not milestones; the first forward starts processing.
    assert [e["action"] for e in body["events"]] == ["submit", "receive", "forward"]
    assert body["events"][1]["text"] == "Tiếp nhận hồ sơ"
    raw = str(body)
    for secret in (citizen.full_name, citizen.personal_id):
        assert secret not in raw


def test_the_public_page_shows_the_appointment_and_events(client, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    response = client.get(f"/tra-cuu/{dossier.code}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "10:00 05/03/2026" in text
    assert "Tiếp nhận hồ sơ" in text
    assert citizen.full_name not in text and citizen.personal_id not in text


def test_an_unknown_code_and_a_draft_are_not_found(client, walker):
    draft = walker.create()
    assert client.get(f"/api/v1/dossiers/{draft.reference}/public").status_code == 404
    assert client.get("/tra-cuu/KHONG-CO/").status_code == 404
    assert client.get("/api/v1/dossiers/KHONG-CO/public").json()["code"] == "not_found"


def test_letters_go_to_the_applicant_and_staff_only(client, walker, citizen, reception):
    dossier = walker.dossier_in(State.RECEIVED)
    url = f"/ho-so/{dossier.code}/van-ban/receipt.pdf"
    assert client.get(url).status_code == 302  # to sign-in
    from tests.factories import CitizenFactory

    client.force_login(CitizenFactory(username="046090000444", personal_id="046090000444"))
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    client.force_login(reception)
    assert client.get(url).status_code == 200
    assert client.get(f"/ho-so/{dossier.code}/van-ban/apology.pdf").status_code == 404


def test_every_event_reads_as_vietnamese_and_an_unknown_record_is_no_milestone(client, walker):
    dossier = walker.dossier_in(State.RECEIVED)
    with transaction.atomic():
        dossier_record(actor=None, dossier=dossier, action="pay")
        dossier_record(actor=None, dossier=dossier, action="a_future_capability")
    texts = [
        e["text"] for e in client.get(f"/api/v1/dossiers/{dossier.code}/public").json()["events"]
    ]
    assert texts == ["Nộp hồ sơ trực tuyến", "Tiếp nhận hồ sơ", "Đã nộp phí, lệ phí"]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attach(actor, dossier, document) -> None:
    document_attach(
        actor=actor,
        dossier=dossier,
        upload=SimpleUploadedFile("to-khai.pdf", PDF),
        kind=DossierDocument.Kind.SUBMITTED,
        required_document=document,
        at=walker_moment(dossier),
    )


def walker_moment(dossier):
    last = dossier.events.order_by("-seq").values_list("at", flat=True).first()
    return last + timedelta(minutes=30)


def _fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def edited_and_returned(walker, citizen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_edited_and_returned(walker, citizen)


def build_edited_and_returned(walker, citizen) -> tuple[Dossier, Dossier]:
    """A dossier drafted with form saves and attachments, then submitted, sent back for a
    supplement answered with another attachment, forwarded between officers and back, paid,
    approved, returned and rated — and another citizen's dossier beside it, submitted and
    withdrawn."""
    declaration = RequiredDocumentFactory(
        procedure=walker.procedure, name="Tờ khai yêu cầu cấp Phiếu", position=1
    )
    dossier = walker.create()
    for answers in ({"reason": "xin viec"}, {"reason": "xin việc làm"}):
        with transaction.atomic():
            dossier = dossier_form_save(
                actor=citizen, dossier=_fresh(dossier), form_data=answers, at=walker_moment(dossier)
            )
        _attach(citizen, _fresh(dossier), declaration)
    dossier = _fresh(dossier)
    for action in (Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.REQUEST_SUPPLEMENT):
        dossier = walker.act(dossier, action)
    _attach(citizen, _fresh(dossier), declaration)
    dossier = walker.act(_fresh(dossier), Action.PROVIDE_SUPPLEMENT)
    dossier = walker.act(dossier, Action.FORWARD)
    dossier = walker.act(dossier, Action.SEND_BACK)
    with transaction.atomic():
        dossier_record(actor=None, dossier=dossier, action="pay", at=walker_moment(dossier))
    dossier = _fresh(dossier)
    for action in (Action.FORWARD, Action.FORWARD, Action.APPROVE, Action.RETURN):
        dossier = walker.act(dossier, action)
    dossier_rate(actor=citizen, dossier=dossier, rating=Rating.SATISFIED, at=walker_moment(dossier))

    neighbour = CitizenFactory(username="046090000555", personal_id="046090000555")
    other = dossier_create(
        actor=neighbour,
        procedure=walker.procedure,
        agency=walker.agency,
        channel=Channel.ONLINE,
        applicant_name=neighbour.full_name,
        applicant_id_number=neighbour.personal_id,
        at=T0,
    )
    with transaction.atomic():
        dossier_form_save(actor=neighbour, dossier=other, form_data={"reason": "du hoc"}, at=T0)
    other = walker.act(_fresh(other), Action.SUBMIT, actor=neighbour)
    other = walker.act(other, Action.WITHDRAW, actor=neighbour)
    return _fresh(dossier), other


def test_the_public_timeline_holds_the_milestones_only(client, edited_and_returned):
    dossier, other = edited_and_returned
    every = list(dossier.events.order_by("seq").values_list("action", flat=True))
    assert every == [
        "create",
        "form_save",
        "attach",
        "form_save",
        "attach",
        "submit",
        "receive",
        "forward",
        "request_supplement",
        "attach",
        "provide_supplement",
        "forward",
        "send_back",
        "pay",
        "forward",
        "forward",
        "approve",
        "return",
        "rate",
    ]

    body = client.get(f"/api/v1/dossiers/{dossier.code}/public").json()

    assert [(e["action"], e["text"]) for e in body["events"]] == [
        ("submit", "Nộp hồ sơ trực tuyến"),
        ("receive", "Tiếp nhận hồ sơ"),
        ("forward", "Chuyển bước xử lý"),
        ("request_supplement", "Yêu cầu bổ sung hồ sơ"),
        ("provide_supplement", "Nộp bổ sung hồ sơ"),
        ("pay", "Đã nộp phí, lệ phí"),
        ("approve", "Phê duyệt kết quả"),
        ("return", "Trả kết quả"),
    ]
    submitted = dossier.events.get(action="submit").at
    assert datetime.fromisoformat(body["events"][0]["at"]) == submitted
    other_body = client.get(f"/api/v1/dossiers/{other.reference}/public").json()
    assert [e["action"] for e in other_body["events"]] == ["submit", "withdraw"]


# What the public reads for `build_edited_and_returned`'s dossier, in order.
MILESTONE_TEXTS = [
    "Nộp hồ sơ trực tuyến",
    "Tiếp nhận hồ sơ",
    "Chuyển bước xử lý",
    "Yêu cầu bổ sung hồ sơ",
    "Nộp bổ sung hồ sơ",
    "Đã nộp phí, lệ phí",
    "Phê duyệt kết quả",
    "Trả kết quả",
]


def test_the_public_page_lists_the_same_milestones(client, edited_and_returned, citizen):
    dossier, _other = edited_and_returned

    text = client.get(f"/tra-cuu/{dossier.code}/").content.decode()

    timeline = re.search(r'<ol class="timeline"[^>]*>(.*?)</ol>', text, re.S).group(1)
    assert re.findall(r"</time> — ([^<]+)</li>", timeline) == MILESTONE_TEXTS
    for noise in ("Cập nhật tờ khai", "Bổ sung tài liệu", "Hồ sơ được tạo", "hài lòng"):
        assert noise not in text
    assert citizen.full_name not in text and citizen.personal_id not in text


def test_which_lifecycle_events_are_public_follows_the_table(walker):
    """Every rule of the table, as an event: public exactly when it moves the dossier out of
    one state into another after the draft."""
    dossier = walker.dossier_in(State.RECEIVED)
    first = seq = dossier.events.count()
    expected = []
    for (state, action), rule in TABLE.items():
        to = State.IN_PROGRESS if rule.to == PREVIOUS else rule.to
        seq += 1
        DossierEvent.objects.create(
            dossier=dossier, seq=seq, at=T0, action=action, from_state=state, to_state=to
        )
        if to != state:
            expected.append((action, state))
    for record in ("form_save", "attach", "registry_lookup", "digitize", "reuse", "rate"):
        seq += 1
        DossierEvent.objects.create(
            dossier=dossier,
            seq=seq,
            at=T0,
            action=record,
            from_state=State.IN_PROGRESS,
            to_state=State.IN_PROGRESS,
        )

    shown = list(
        dossier.events.filter(public_milestones(), seq__gt=first)
        .order_by("seq")
        .values_list("action", "from_state")
    )

    assert shown == expected
    # Only the steps within processing are left out of the table's rules.
    hidden = set(TABLE) - {(state, action) for action, state in shown}
    assert hidden == {
        (State.IN_PROGRESS, Action.FORWARD),
        (State.IN_PROGRESS, Action.SEND_BACK),
    }
