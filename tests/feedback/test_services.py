"""Submitting, answering, rejecting and rating petitions: who may, what is checked, what is
written — and that a refusal writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from motcua.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.counters.selectors import counters_snapshot
from motcua.directory.models import Role
from motcua.feedback.models import Kind, Petition, PetitionEvent, PetitionState
from motcua.feedback.services import (
    petition_answer,
    petition_rate,
    petition_reject,
    petition_submit,
)
from tests.factories import UserFactory, staff
from tests.feedback.conftest import DUE0, T0

pytestmark = pytest.mark.django_db
ANSWER = "Sở đã kiểm tra và trả kết quả cho ông/bà ngày 05/03/2026, xin lỗi vì sự chậm trễ."


def state_of(petition: Petition) -> tuple:
    fresh = Petition.objects.get(pk=petition.pk)
    return (
        fresh.state,
        fresh.answer,
        fresh.reject_reason,
        fresh.answered_at,
        fresh.answered_by_id,
        fresh.rating,
        fresh.rated_at,
        PetitionEvent.objects.filter(petition=petition).count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
        counters_snapshot(),
    )


# --- submit --------------------------------------------------------------------------------


def test_submit_records_the_petition_its_event_its_counters_and_an_audit_row(submit, agency):
    petition = submit(publish_consent=True)
    assert petition.state == PetitionState.RECEIVED
    assert petition.created_at == T0
    assert petition.due_at == DUE0
    assert petition.reference.startswith("PA-260302-")
    assert petition.publish_consent is True
    events = list(PetitionEvent.objects.filter(petition=petition).values_list("seq", "action"))
    assert events == [(1, "submit")]
    assert counters_snapshot() == {
        (agency.pk, T0.date(), "petitions_received"): 1,
        (agency.pk, DUE0.date(), "petitions_due"): 1,
    }
    audit = AuditEvent.objects.get(action="petition.submit")
    assert audit.data == {"agency": agency.code, "kind": "reflection"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subject": "  Ab "}, "subject", "Tiêu đề phải có ít nhất 5 ký tự."),
        ({"subject": "x" * 201}, "subject", "Tiêu đề không được dài quá 200 ký tự."),
        ({"content": "ngắn quá"}, "content", "Nội dung phải có ít nhất 20 ký tự."),
        ({"content": ""}, "content", "Nội dung phải có ít nhất 20 ký tự."),
        ({"kind": "complaint"}, "kind", "Hãy chọn loại: phản ánh hoặc kiến nghị."),
        ({"agency": None}, "agency", "Hãy chọn cơ quan nhận phản ánh, kiến nghị."),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_writes_nothing(submit, fields, field, message):
    with pytest.raises(ValidationFailed) as caught:
        submit(**fields)
    assert caught.value.message == message
    assert field in caught.value.fields
    assert Petition.objects.count() == 0
    assert counters_snapshot() == {}


def test_only_a_signed_in_citizen_submits(submit, reception):
    for actor in (AnonymousUser(), reception):
        with pytest.raises(PermissionDenied) as caught:
            submit(actor=actor)
        assert caught.value.message == (
            "Cần đăng nhập bằng tài khoản công dân để gửi phản ánh, kiến nghị."
        )
    assert Petition.objects.count() == 0


def test_a_dossier_must_be_the_citizens_own(walker, other_citizen, agency):
    dossier = walker.create(at=T0)  # the `citizen` fixture's dossier
    with pytest.raises(NotFound):
        petition_submit(
            actor=other_citizen,
            agency=None,
            dossier=dossier,
            kind=Kind.REFLECTION,
            subject="Chậm trả kết quả",
            content="Hồ sơ này đã quá hạn mà chưa có kết quả trả cho tôi.",
            at=T0,
        )
    assert Petition.objects.count() == 0
    mine = petition_submit(
        actor=walker.citizen,
        agency=None,
        dossier=dossier,
        kind=Kind.REFLECTION,
        subject="Chậm trả kết quả",
        content="Hồ sơ này đã quá hạn mà chưa có kết quả trả cho tôi.",
        at=T0,
    )
    assert (mine.dossier_id, mine.agency_id) == (dossier.pk, agency.pk)


def test_a_double_submit_is_refused(submit):
    first = submit(content="Cùng một nội dung gửi hai lần liền nhau vì bấm hai lần.")
    with pytest.raises(Conflict) as caught:
        submit(
            content="Cùng một nội dung gửi hai lần liền nhau vì bấm hai lần.",
            at=T0 + timedelta(minutes=1),
        )
    assert first.reference in caught.value.message
    assert Petition.objects.count() == 1


def test_a_merged_agency_receives_nothing(submit, agency, other_agency):
    agency.merged_into, agency.merged_on = other_agency, date(2025, 7, 1)
    agency.save(update_fields=["merged_into", "merged_on"])
    with pytest.raises(ValidationFailed) as caught:
        submit()
    assert caught.value.fields == {"agency": "merged"}


# --- answer and reject: the permission matrix ----------------------------------------------


def _denied_actors(request, names):
    return [
        request.getfixturevalue(name) if name != "anonymous" else AnonymousUser() for name in names
    ]


DENIED = ["anonymous", "citizen", "other_citizen", "other_reception", "admin_only", "nobody"]


@pytest.fixture
def nobody(db):
    return UserFactory(username="canbo_khong_vai_tro", is_staff=True)


@pytest.mark.parametrize("who", DENIED)
@pytest.mark.parametrize("verb", ["answer", "reject"])
def test_who_may_not_reply_changes_nothing(request, submit, who, verb):
    petition = submit()
    actor = _denied_actors(request, [who])[0]
    before = state_of(petition)
    with pytest.raises(PermissionDenied):
        if verb == "answer":
            petition_answer(
                actor=actor, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1)
            )
        else:
            petition_reject(
                actor=actor,
                petition=petition,
                reason="Không thuộc thẩm quyền của Sở.",
                at=T0 + timedelta(days=1),
            )
    assert state_of(petition) == before


@pytest.mark.parametrize("who", ["reception", "specialist", "approver", "leader_above"])
def test_the_agency_officers_and_the_leader_above_may_answer(request, submit, agency, who):
    officer = request.getfixturevalue(who)
    petition = submit()
    answered = petition_answer(
        actor=officer, petition=petition, answer=ANSWER, at=T0 + timedelta(days=3)
    )
    assert answered.state == PetitionState.ANSWERED
    assert answered.answer == ANSWER
    assert answered.answered_by_id == officer.pk
    assert answered.answered_at == T0 + timedelta(days=3)
    assert list(
        PetitionEvent.objects.filter(petition=petition).values_list("seq", "action", "to_state")
    ) == [(1, "submit", "received"), (2, "answer", "answered")]
    assert OutboxMessage.objects.filter(topic="petition.notify").count() == 1
    assert AuditEvent.objects.get(action="petition.answer").data == {
        "on_time": True,
        "published": False,
    }
    assert answered.answer_published is False


def test_a_leader_of_an_agency_below_may_not_answer_above(submit, agency, parent_agency):
    petition = submit(agency=parent_agency)
    leader_below = staff(Role.LEADER, agency, username="lanhdao_so")
    with pytest.raises(PermissionDenied):
        petition_answer(actor=leader_below, petition=petition, answer=ANSWER)


def test_reject_closes_with_the_reason(submit, reception):
    petition = submit()
    rejected = petition_reject(
        actor=reception,
        petition=petition,
        reason="Nội dung thuộc thẩm quyền của UBND phường; đề nghị gửi UBND phường.",
        at=T0 + timedelta(hours=2),
    )
    assert rejected.state == PetitionState.REJECTED
    assert rejected.reject_reason.startswith("Nội dung thuộc thẩm quyền")
    assert rejected.answer == ""
    event = PetitionEvent.objects.get(petition=petition, action="reject")
    assert event.payload == {"reason": rejected.reject_reason}


def test_a_reply_is_given_once(submit, reception, specialist):
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(hours=1))
    before = state_of(petition)
    with pytest.raises(TransitionNotAllowed) as caught:
        petition_reject(actor=specialist, petition=petition, reason="Không thuộc thẩm quyền.")
    assert caught.value.message == (
        f"Phản ánh, kiến nghị {petition.reference} đã được xử lý (Đã trả lời)."
    )
    assert state_of(petition) == before


def test_an_answer_needs_text_and_cannot_precede_the_petition(submit, reception):
    petition = submit()
    before = state_of(petition)
    with pytest.raises(ValidationFailed) as caught:
        petition_answer(actor=reception, petition=petition, answer="Đã xem.")
    assert caught.value.message == "Nội dung trả lời phải có ít nhất 20 ký tự."
    with pytest.raises(ValidationFailed):
        petition_answer(
            actor=reception, petition=petition, answer=ANSWER, at=T0 - timedelta(hours=1)
        )
    assert state_of(petition) == before


# --- publication ---------------------------------------------------------------------------


def test_the_answering_officer_publishes_a_consented_answer(submit, reception):
    petition = submit(publish_consent=True)

    answered = petition_answer(
        actor=reception, petition=petition, answer=ANSWER, publish=True, at=T0 + timedelta(days=1)
    )

    assert Petition.objects.get(pk=petition.pk).answer_published is True
    assert answered.answer_published is True
    event = PetitionEvent.objects.get(petition=petition, action="answer")
    assert event.payload == {"published": True}
    assert AuditEvent.objects.get(action="petition.answer").data == {
        "on_time": True,
        "published": True,
    }


def test_a_consented_answer_stays_unpublished_by_default(submit, reception):
    petition = submit(publish_consent=True)

    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))

    fresh = Petition.objects.get(pk=petition.pk)
    assert (fresh.state, fresh.publish_consent, fresh.answer_published) == (
        "answered",
        True,
        False,
    )
    event = PetitionEvent.objects.get(petition=petition, action="answer")
    assert event.payload == {"published": False}


def test_without_the_senders_consent_an_answer_cannot_be_published(submit, reception):
    petition = submit(publish_consent=False)
    before = state_of(petition)

    with pytest.raises(ValidationFailed) as caught:
        petition_answer(
            actor=reception,
            petition=petition,
            answer=ANSWER,
            publish=True,
            at=T0 + timedelta(days=1),
        )

    assert caught.value.message == (
        "Người gửi không đồng ý công khai; câu trả lời không thể được công khai."
    )
    assert caught.value.fields == {"publish": "no_consent"}
    assert state_of(petition) == before
    assert Petition.objects.get(pk=petition.pk).answer_published is False


@pytest.mark.parametrize(
    ("consent", "answered"), [(False, True), (True, False)], ids=["no-consent", "not-answered"]
)
def test_the_database_refuses_a_published_answer_without_consent_or_answer(
    submit, reception, consent, answered
):
    petition = submit(publish_consent=consent)
    if answered:
        petition_answer(actor=reception, petition=petition, answer=ANSWER)

    with pytest.raises(IntegrityError), transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(answer_published=True)

    assert Petition.objects.get(pk=petition.pk).answer_published is False


# --- rating --------------------------------------------------------------------------------


def test_the_sender_rates_an_answer_once(submit, reception, citizen):
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    rated = petition_rate(
        actor=citizen, petition=petition, rating="satisfied", at=T0 + timedelta(days=2)
    )
    assert (rated.rating, rated.rated_at) == ("satisfied", T0 + timedelta(days=2))
    before = state_of(petition)
    with pytest.raises(TransitionNotAllowed) as caught:
        petition_rate(actor=citizen, petition=petition, rating="unsatisfied")
    assert caught.value.message == (
        "Bạn đã đánh giá câu trả lời này ngày 04/03/2026; mỗi câu trả lời chỉ đánh giá một lần."
    )
    assert state_of(petition) == before


@pytest.mark.parametrize("who", ["anonymous", "other_citizen", "reception"])
def test_only_the_sender_rates(request, submit, reception, who):
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    actor = _denied_actors(request, [who])[0]
    before = state_of(petition)
    with pytest.raises(PermissionDenied):
        petition_rate(actor=actor, petition=petition, rating="satisfied")
    assert state_of(petition) == before


def test_no_rating_before_an_answer_nor_of_a_rejection(submit, reception, citizen):
    waiting = submit()
    with pytest.raises(TransitionNotAllowed):
        petition_rate(actor=citizen, petition=waiting, rating="satisfied")
    rejected = submit(at=T0 + timedelta(hours=1))
    petition_reject(actor=reception, petition=rejected, reason="Không thuộc thẩm quyền của Sở.")
    with pytest.raises(TransitionNotAllowed):
        petition_rate(actor=citizen, petition=rejected, rating="satisfied")
    with pytest.raises(ValidationFailed):
        petition_rate(actor=citizen, petition=rejected, rating="very_satisfied")
    assert Petition.objects.exclude(rating="").count() == 0
