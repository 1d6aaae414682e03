"""The ballot services: who may, what is refused with which message, and that a refusal
writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.ballots.models import Ballot, BallotAnswer, BallotMember
from motcua.ballots.selectors import archive, countdown, sent_counts, to_answer
from motcua.ballots.services import (
    ballot_answer,
    ballot_close,
    ballot_create,
    ballot_decide,
    ballot_remind,
    ballot_send,
)
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent, OutboxMessage
from tests.ballots.conftest import Committee

pytestmark = pytest.mark.django_db


def _answers(ballot: Ballot) -> list[tuple[str, str]]:
    return list(ballot.answers.values_list("member__user__username", "choice"))


def test_five_members_three_agree_is_adopted(committee: Committee):
    ballot = committee.ballot()
    a, b, c, d, e = committee.members
    for member in (a, b, c):
        ballot_answer(actor=member, ballot=ballot, choice="agree")
    ballot_answer(actor=d, ballot=ballot, choice="disagree")
    ballot_answer(actor=e, ballot=ballot, choice="comment", comment="Sửa Điều 3.")

    tally = ballot_close(actor=committee.sender, ballot=ballot)

    ballot.refresh_from_db()
    assert (tally.agree, tally.disagree, tally.comment_only, tally.no_answer) == (3, 1, 1, 0)
    assert (ballot.state, ballot.result) == ("closed", "adopted")
    assert (ballot.agree, ballot.disagree, ballot.comment_only, ballot.no_answer) == (3, 1, 1, 0)


def test_five_members_two_agree_three_silent_is_returned(committee: Committee):
    ballot = committee.ballot()
    for member in committee.members[:2]:
        ballot_answer(actor=member, ballot=ballot, choice="agree")

    tally = ballot_close(actor=committee.sender, ballot=ballot)

    ballot.refresh_from_db()
    assert (tally.agree, tally.no_answer) == (2, 3)
    assert ballot.result == "returned"
    with pytest.raises(ValidationFailed) as refused:
        ballot_decide(actor=committee.sender, ballot=ballot, decision="issued", note="Ban hành.")
    assert "không ban hành được" in refused.value.message
    ballot_decide(actor=committee.sender, ballot=ballot, decision="returned", note="Trả lại.")
    ballot.refresh_from_db()
    assert (ballot.state, ballot.decision, ballot.decision_note) == (
        "decided",
        "returned",
        "Trả lại.",
    )


def test_a_second_answer_is_refused_and_nothing_written(committee: Committee):
    ballot = committee.ballot()
    member = committee.members[0]
    ballot_answer(actor=member, ballot=ballot, choice="agree")
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        ballot_answer(actor=member, ballot=ballot, choice="disagree", comment="Đổi ý")

    assert refused.value.code == "ballot_already_answered"
    assert "mỗi thành viên chỉ trả lời một lần" in refused.value.message
    assert _answers(ballot) == [("thanhvien0", "agree")]
    assert AuditEvent.objects.count() == events


def test_an_answer_after_the_deadline_is_refused(committee: Committee):
    now = timezone.now()
    ballot = committee.ballot(at=now - timedelta(days=3), deadline=now - timedelta(minutes=1))
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        ballot_answer(actor=committee.members[0], ballot=ballot, choice="agree")

    assert refused.value.code == "ballot_deadline_passed"
    deadline = timezone.localtime(ballot.deadline).strftime("%H:%M ngày %d/%m/%Y")
    assert refused.value.message == (
        f"Đã hết hạn trả lời phiếu 12/PLYK-UBND lúc {deadline}: ý kiến không được ghi nhận."
    )
    assert _answers(ballot) == []
    assert AuditEvent.objects.count() == events


def test_at_the_deadline_itself_is_too_late(committee: Committee):
    now = timezone.now()
    ballot = committee.ballot(at=now - timedelta(days=1), deadline=now + timedelta(hours=1))
    with pytest.raises(Conflict):
        ballot_answer(actor=committee.members[0], ballot=ballot, choice="agree", at=ballot.deadline)
    ballot_answer(
        actor=committee.members[0],
        ballot=ballot,
        choice="agree",
        at=ballot.deadline - timedelta(seconds=1),
    )
    assert _answers(ballot) == [("thanhvien0", "agree")]


def test_a_non_member_is_refused(committee: Committee):
    ballot = committee.ballot()
    for actor in (committee.outsider, committee.sender, committee.specialist):
        with pytest.raises(PermissionDenied) as refused:
            ballot_answer(actor=actor, ballot=ballot, choice="agree")
        assert refused.value.message == (
            "Bạn không phải thành viên được lấy ý kiến của phiếu 12/PLYK-UBND."
        )
    assert _answers(ballot) == []


def test_a_member_without_the_second_factor_is_refused(committee: Committee):
    ballot = committee.ballot(members=[*committee.members, committee.unverified])
    with pytest.raises(PermissionDenied) as refused:
        ballot_answer(actor=committee.unverified, ballot=ballot, choice="agree")
    assert refused.value.code == "second_factor_required"
    assert _answers(ballot) == []


def test_a_draft_takes_no_answers(committee: Committee):
    ballot = committee.ballot(send=False)
    with pytest.raises(Conflict) as refused:
        ballot_answer(actor=committee.members[0], ballot=ballot, choice="agree")
    assert refused.value.code == "ballot_not_open"


def test_comment_only_needs_text(committee: Committee):
    ballot = committee.ballot()
    with pytest.raises(ValidationFailed):
        ballot_answer(actor=committee.members[0], ballot=ballot, choice="comment", comment=" ")
    with pytest.raises(ValidationFailed):
        ballot_answer(actor=committee.members[0], ballot=ballot, choice="maybe")
    assert _answers(ballot) == []


def test_only_leaders_and_approvers_are_members(committee: Committee):
    with pytest.raises(ValidationFailed) as refused:
        committee.ballot(members=[committee.members[0], committee.specialist], send=False)
    assert refused.value.fields == {"members": "not_member"}
    assert Ballot.objects.count() == 0


def test_only_the_drafting_agencys_leaders_create_and_send(committee: Committee):
    with pytest.raises(PermissionDenied):
        ballot_create(
            actor=committee.members[0],  # leader of the justice department, below the province
            agency=committee.province,
            number="1/PLYK",
            title="Dự thảo",
            summary="Nội dung",
            deadline=timezone.now() + timedelta(days=1),
            members=committee.members,
        )
    ballot = committee.ballot(send=False)
    with pytest.raises(PermissionDenied):
        ballot_send(actor=committee.members[0], ballot=ballot)
    with pytest.raises(PermissionDenied):
        ballot_close(actor=committee.outsider, ballot=ballot)
    assert Ballot.objects.get().state == "draft"


def test_sending_needs_members_attachment_and_a_future_deadline(committee: Committee):
    now = timezone.now()
    bare = ballot_create(
        actor=committee.sender,
        agency=committee.province,
        number="2/PLYK",
        title="Dự thảo",
        summary="Nội dung",
        deadline=now + timedelta(days=1),
        members=[],
    )
    with pytest.raises(ValidationFailed) as no_members:
        ballot_send(actor=committee.sender, ballot=bare)
    assert no_members.value.fields == {"members": "required"}
    BallotMember.objects.create(ballot=bare, user=committee.members[0])
    with pytest.raises(ValidationFailed) as no_files:
        ballot_send(actor=committee.sender, ballot=bare)
    assert no_files.value.fields == {"files": "required"}
    late = committee.ballot(number="3/PLYK", deadline=now - timedelta(hours=1), send=False)
    with pytest.raises(ValidationFailed) as past:
        ballot_send(actor=committee.sender, ballot=late)
    assert past.value.fields == {"deadline": "past"}
    assert set(Ballot.objects.values_list("state", flat=True)) == {"draft"}
    assert not OutboxMessage.objects.filter(topic="ballot.notify").exists()


def test_an_html_attachment_is_refused(committee: Committee):
    with pytest.raises(ValidationFailed) as refused:
        ballot_create(
            actor=committee.sender,
            agency=committee.province,
            number="4/PLYK",
            title="Dự thảo",
            summary="Nội dung",
            deadline=timezone.now() + timedelta(days=1),
            members=committee.members,
            files=[SimpleUploadedFile("x.pdf", b"<html><script>1</script></html>")],
        )
    assert refused.value.fields == {"files": "type"}
    assert Ballot.objects.count() == 0


def test_send_invites_every_member_through_the_outbox(committee: Committee):
    ballot = committee.ballot()
    assert ballot.state == "open"
    payloads = OutboxMessage.objects.filter(topic="ballot.notify").values_list("payload", flat=True)
    assert sorted(p["kind"] for p in payloads) == ["invite"] * 5
    assert list(
        AuditEvent.objects.filter(object_type="ballot")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["ballot.create", "ballot.send"]


def test_remind_tells_the_silent_members_once(committee: Committee):
    now = timezone.now()
    ballot = committee.ballot(at=now - timedelta(days=2), deadline=now + timedelta(hours=5))
    committee.ballot(number="13/PLYK-UBND", deadline=now + timedelta(days=5))  # not due yet
    ballot_answer(actor=committee.members[0], ballot=ballot, choice="agree")

    assert ballot_remind(within_hours=4, at=now) == 0
    assert ballot_remind(within_hours=6, at=now) == 4
    assert ballot_remind(within_hours=6, at=now) == 0

    reminded = BallotMember.objects.filter(reminded_at__isnull=False)
    assert sorted(reminded.values_list("user__username", flat=True)) == [
        "thanhvien1",
        "thanhvien2",
        "thanhvien3",
        "thanhvien4",
    ]
    kinds = [p["kind"] for p in OutboxMessage.objects.values_list("payload", flat=True)]
    assert kinds.count("remind") == 4


def test_the_notification_handler_tells_once(committee: Committee):
    from motcua.ballots.notify import ballot_notify
    from motcua.notifications.models import Notification

    ballot = committee.ballot()
    member = BallotMember.objects.get(ballot=ballot, user=committee.members[0])
    first = ballot_notify({"member_id": member.pk, "kind": "invite"})
    again = ballot_notify({"member_id": member.pk, "kind": "invite"})
    assert first is not None and again is not None and first.pk == again.pk
    note = Notification.objects.get(user=committee.members[0])
    assert note.title == "Phiếu lấy ý kiến 12/PLYK-UBND"
    assert note.link == f"/phieu-y-kien/{ballot.pk}/"


def test_the_answer_constraint_holds_in_the_database(committee: Committee):
    from django.db import IntegrityError, transaction

    ballot = committee.ballot()
    answer = ballot_answer(actor=committee.members[0], ballot=ballot, choice="agree")
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotAnswer.objects.create(
            ballot=ballot, member=answer.member, choice="agree", answered_at=timezone.now()
        )


def test_to_answer_archive_and_counts(committee: Committee):
    now = timezone.now()
    first = committee.ballot(title="Quy chế về ký số văn bản", at=now)
    committee.ballot(number="14/PLYK-UBND", title="Kế hoạch chuyển đổi số", at=now)
    ballot_answer(actor=committee.members[0], ballot=first, choice="agree")

    assert [b.number for b in to_answer(committee.members[0], now=now)] == ["14/PLYK-UBND"]
    assert [b.number for b in to_answer(committee.members[1], now=now)] == [
        "12/PLYK-UBND",
        "14/PLYK-UBND",
    ]
    assert [b.number for b in archive(committee.sender, "quy che ki so")] == ["12/PLYK-UBND"]
    assert [b.number for b in archive(committee.members[1], "CHUYEN DOI")] == ["14/PLYK-UBND"]
    assert list(archive(committee.outsider, "")) == []

    counts = sent_counts(year=timezone.localdate().year)
    month = timezone.localdate().month
    assert counts.total == 2
    assert counts.months[month - 1] == 2
    assert counts.quarters[(month - 1) // 3] == 2


def test_countdown_words():
    now = timezone.now()
    assert countdown(now + timedelta(days=2, hours=3, minutes=5), now=now) == "còn 2 ngày 3 giờ"
    assert countdown(now + timedelta(hours=4, minutes=30), now=now) == "còn 4 giờ 30 phút"
    assert countdown(now + timedelta(minutes=45), now=now) == "còn 45 phút"
    assert countdown(now, now=now) == "đã hết hạn"


def test_a_create_that_fails_after_its_file_was_saved_leaves_no_file(
    committee: Committee, monkeypatch, settings, tmp_path
):
    # A folder of this test's own: the other test worker writes into the shared one.
    settings.MEDIA_ROOT = media = tmp_path
    files_before: list = []

    def audit_down(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("motcua.ballots.services.audit_record", audit_down)
    with pytest.raises(RuntimeError):
        committee.ballot(send=False)

    assert Ballot.objects.count() == 0
    assert sorted(f for f in media.rglob("*") if f.is_file()) == files_before
