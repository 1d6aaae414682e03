"""The writes of the opinion ballots, one per intent: each checks the actor's right
(`access.py`), validates its input with Vietnamese messages, writes in one transaction on the
locked ballot row and leaves one audit event. A refusal writes nothing.

Members hear of a ballot (sent) and are reminded before its deadline through the outbox
(`ballot.notify`, `notify.py`): a notification in the portal, and an email when the account
has an address."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.ballots.access import (
    is_member_kind,
    second_factor_held,
    send_check,
)
from motcua.ballots.models import Ballot, BallotAnswer, BallotAttachment, BallotMember
from motcua.ballots.rules import Tally
from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.outbox import outbox_write
from motcua.core.text import search_fold, text_line, text_paragraphs
from motcua.core.uploads import files_deleted_on_failure, upload_check, uploads_save
from motcua.directory.models import Agency, User

TOPIC = "ballot.notify"
TITLE_MAX = 500
SUMMARY_MAX = 10000
COMMENT_MAX = 4000
NUMBER_MAX = 64
MAX_FILES = 10  # the draft decision and its annexes


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y")


def _lock(ballot: Ballot) -> Ballot:
    return Ballot.objects.select_for_update().select_related("agency").get(pk=ballot.pk)


def _refresh(ballot: Ballot, locked: Ballot) -> Ballot:
    for field in locked._meta.concrete_fields:
        setattr(ballot, field.attname, getattr(locked, field.attname))
    return ballot


# ---------------------------------------------------------------- create and send


def ballot_create(
    *,
    actor: User,
    agency: Agency,
    number: str,
    title: str,
    summary: str,
    deadline: datetime | None,
    members: Iterable[User],
    files: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Ballot:
    """A draft ballot with its members and attachments; sending it is `ballot_send`."""
    send_check(actor, agency)
    now = at or timezone.now()
    number = text_line(number, field="number", label=_("số phiếu"), limit=NUMBER_MAX)
    title = text_line(title, field="title", label=_("trích yếu"), limit=TITLE_MAX)
    summary = text_paragraphs(
        summary, field="summary", label=_("tóm tắt dự thảo"), limit=SUMMARY_MAX
    )
    if deadline is None:
        raise ValidationFailed(_("Nhập hạn trả lời."), fields={"deadline": "required"})
    chosen = list({user.pk: user for user in members}.values())
    refused = [user for user in chosen if not is_member_kind(user)]
    if refused:
        raise ValidationFailed(
            _(
                "Chỉ chọn được lãnh đạo của các cơ quan (đăng nhập bằng xác thực hai lớp): "
                "%(names)s."
            )
            % {"names": ", ".join(u.full_name or u.username for u in refused)[:300]},
            fields={"members": "not_member"},
        )
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            _("Mỗi phiếu đính kèm tối đa %(n)d tệp.") % {"n": MAX_FILES},
            fields={"files": "too_many"},
        )
    checked = [(upload, *upload_check(upload, field="files")) for upload in files]
    with files_deleted_on_failure() as saved, transaction.atomic():
        if Ballot.objects.filter(number=number).exists():
            raise ValidationFailed(
                _("Đã có phiếu lấy ý kiến số %(number)s.") % {"number": number},
                fields={"number": "duplicate"},
            )
        ballot = Ballot.objects.create(
            number=number,
            title=title,
            summary=summary,
            agency=agency,
            created_by=actor,
            created_at=now,
            deadline=deadline,
            search_key=search_fold(f"{number} {title}")[:700],
        )
        BallotMember.objects.bulk_create(BallotMember(ballot=ballot, user=u) for u in chosen)
        uploads_save(
            [BallotAttachment(ballot=ballot) for _ in checked],
            checked,
            saved,
            default_name="du-thao",
        )
        audit_record(
            actor=actor,
            action="ballot.create",
            object_type="ballot",
            object_id=ballot.pk,
            data={"number": number, "agency": agency.code, "members": len(chosen)},
        )
    return ballot


def ballot_send(*, actor: User, ballot: Ballot, at: datetime | None = None) -> Ballot:
    """Opens the ballot to its members and tells each of them (outbox `ballot.notify`)."""
    send_check(actor, ballot.agency)
    now = at or timezone.now()
    with transaction.atomic():
        locked = _lock(ballot)
        if locked.state != Ballot.State.DRAFT:
            raise Conflict(_("Phiếu %(number)s đã được gửi.") % {"number": locked.number})
        members = list(locked.members.all())
        if not members:
            raise ValidationFailed(
                _("Chọn ít nhất một thành viên để lấy ý kiến."), fields={"members": "required"}
            )
        if not locked.attachments.exists():
            raise ValidationFailed(
                _("Đính kèm dự thảo quyết định trước khi gửi phiếu."),
                fields={"files": "required"},
            )
        if locked.deadline <= now:
            raise ValidationFailed(
                _("Hạn trả lời %(deadline)s đã qua: đặt hạn trong tương lai rồi gửi lại.")
                % {"deadline": _when(locked.deadline)},
                fields={"deadline": "past"},
            )
        Ballot.objects.filter(pk=locked.pk).update(state=Ballot.State.OPEN, sent_at=now)
        BallotMember.objects.filter(ballot=locked).update(invited_at=now)
        for member in members:
            outbox_write(topic=TOPIC, payload={"member_id": member.pk, "kind": "invite"})
        audit_record(
            actor=actor,
            action="ballot.send",
            object_type="ballot",
            object_id=locked.pk,
            data={"members": len(members), "deadline": locked.deadline.isoformat()},
        )
        locked.state, locked.sent_at = Ballot.State.OPEN, now
    return _refresh(ballot, locked)


# ---------------------------------------------------------------- answers


def ballot_answer(
    *,
    actor: User,
    ballot: Ballot,
    choice: str,
    comment: str = "",
    at: datetime | None = None,
) -> BallotAnswer:
    """The member's one answer, before the deadline. After the deadline, or a second time, it
    is refused with a message and nothing is written."""
    now = at or timezone.now()
    if choice not in BallotAnswer.Choice.values:
        raise ValidationFailed(
            _("Chọn một ý kiến: đồng ý, không đồng ý hoặc ý kiến khác."),
            fields={"choice": "required"},
        )
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            _("Góp ý dài quá %(limit)d ký tự.") % {"limit": COMMENT_MAX},
            fields={"comment": "too_long"},
        )
    if choice == BallotAnswer.Choice.COMMENT and not comment:
        raise ValidationFailed(
            _("Chọn “ý kiến khác” thì nhập nội dung góp ý."), fields={"comment": "required"}
        )
    with transaction.atomic():
        locked = _lock(ballot)
        member = BallotMember.objects.filter(ballot=locked, user=actor).first()
        if member is None:
            raise PermissionDenied(
                _("Bạn không phải thành viên được lấy ý kiến của phiếu %(number)s.")
                % {"number": locked.number}
            )
        if not second_factor_held(actor):
            raise PermissionDenied(
                _(
                    "Thành viên chỉ trả lời phiếu khi đăng nhập bằng xác thực hai lớp: hãy đăng "
                    "ký ứng dụng xác thực rồi đăng nhập lại."
                ),
                code="second_factor_required",
            )
        if locked.state != Ballot.State.OPEN:
            raise Conflict(
                _("Phiếu %(number)s không còn nhận ý kiến (%(state)s).")
                % {"number": locked.number, "state": locked.get_state_display()},
                code="ballot_not_open",
            )
        if now >= locked.deadline:
            raise Conflict(
                _(
                    "Đã hết hạn trả lời phiếu %(number)s lúc %(deadline)s: ý kiến không được "
                    "ghi nhận."
                )
                % {"number": locked.number, "deadline": _when(locked.deadline)},
                code="ballot_deadline_passed",
            )
        earlier = BallotAnswer.objects.filter(ballot=locked, member=member).first()
        if earlier is not None:
            raise Conflict(
                _("Bạn đã trả lời phiếu %(number)s lúc %(at)s; mỗi thành viên chỉ trả lời một lần.")
                % {"number": locked.number, "at": _when(earlier.answered_at)},
                code="ballot_already_answered",
            )
        answer = BallotAnswer.objects.create(
            ballot=locked, member=member, choice=choice, comment=comment, answered_at=now
        )
        audit_record(
            actor=actor,
            action="ballot.answer",
            object_type="ballot",
            object_id=locked.pk,
            data={"member": member.pk, "choice": choice},
        )
    return answer


# ---------------------------------------------------------------- reminders


def ballot_remind(*, within_hours: int, at: datetime | None = None) -> int:
    """The system tells each member who has not answered an open ballot due within
    `within_hours` — once per member and ballot (`reminded_at`). Returns how many."""
    if within_hours < 1:
        raise ValidationFailed(
            _("Số giờ trước hạn phải từ 1 trở lên."), fields={"hours": "invalid"}
        )
    now = at or timezone.now()
    due = Q(
        ballot__state=Ballot.State.OPEN,
        ballot__deadline__gt=now,
        ballot__deadline__lte=now + timedelta(hours=within_hours),
        reminded_at__isnull=True,
    )
    with transaction.atomic():
        pending = list(
            BallotMember.objects.select_for_update()
            .filter(due)
            .exclude(answers__isnull=False)
            .values_list("pk", "ballot_id")
        )
        if not pending:
            return 0
        BallotMember.objects.filter(pk__in=[pk for pk, _b in pending]).update(reminded_at=now)
        for pk, _ballot in pending:
            outbox_write(topic=TOPIC, payload={"member_id": pk, "kind": "remind"})
        for ballot_id in sorted({b for _pk, b in pending}):
            audit_record(
                actor=None,
                action="ballot.remind",
                object_type="ballot",
                object_id=ballot_id,
                data={"members": sum(1 for _pk, b in pending if b == ballot_id)},
            )
    return len(pending)


# ---------------------------------------------------------------- close and decide


def ballot_tally(ballot: Ballot) -> Tally:
    counts = BallotAnswer.objects.filter(ballot=ballot).aggregate(
        agree=Count("pk", filter=Q(choice=BallotAnswer.Choice.AGREE)),
        disagree=Count("pk", filter=Q(choice=BallotAnswer.Choice.DISAGREE)),
        comment_only=Count("pk", filter=Q(choice=BallotAnswer.Choice.COMMENT)),
    )
    return Tally(members=BallotMember.objects.filter(ballot=ballot).count(), **counts)


def ballot_close(*, actor: User, ballot: Ballot, at: datetime | None = None) -> Tally:
    """Ends the ballot (at or before its deadline) and writes its tally and result
    (`rules.Tally.adopted`)."""
    send_check(actor, ballot.agency)
    now = at or timezone.now()
    with transaction.atomic():
        locked = _lock(ballot)
        if locked.state != Ballot.State.OPEN:
            raise Conflict(
                _("Chỉ kết thúc được phiếu đang lấy ý kiến; phiếu %(number)s: %(state)s.")
                % {"number": locked.number, "state": locked.get_state_display()}
            )
        tally = ballot_tally(locked)
        result = Ballot.Result.ADOPTED if tally.adopted else Ballot.Result.RETURNED
        fields = {
            "state": Ballot.State.CLOSED,
            "closed_at": now,
            "agree": tally.agree,
            "disagree": tally.disagree,
            "comment_only": tally.comment_only,
            "no_answer": tally.no_answer,
            "result": result,
        }
        Ballot.objects.filter(pk=locked.pk).update(**fields)
        audit_record(
            actor=actor,
            action="ballot.close",
            object_type="ballot",
            object_id=locked.pk,
            data={
                "members": tally.members,
                "agree": tally.agree,
                "disagree": tally.disagree,
                "comment_only": tally.comment_only,
                "no_answer": tally.no_answer,
                "result": result,
            },
        )
        for name, value in fields.items():
            setattr(locked, name, value)
    _refresh(ballot, locked)
    return tally


def ballot_decide(
    *, actor: User, ballot: Ballot, decision: str, note: str, at: datetime | None = None
) -> Ballot:
    """Records the decision on a closed ballot: issued (only when adopted) or returned to the
    drafting agency, with a note."""
    send_check(actor, ballot.agency)
    now = at or timezone.now()
    if decision not in Ballot.Decision.values:
        raise ValidationFailed(
            _("Chọn ban hành quyết định hoặc trả lại cơ quan soạn thảo."),
            fields={"decision": "required"},
        )
    note = text_paragraphs(note, field="note", label=_("ghi chú quyết định"), limit=COMMENT_MAX)
    with transaction.atomic():
        locked = _lock(ballot)
        if locked.state != Ballot.State.CLOSED:
            raise Conflict(
                _("Chỉ quyết định được phiếu đã kết thúc; phiếu %(number)s: %(state)s.")
                % {"number": locked.number, "state": locked.get_state_display()}
            )
        if decision == Ballot.Decision.ISSUED and locked.result != Ballot.Result.ADOPTED:
            raise ValidationFailed(
                _(
                    "Dự thảo không được quá nửa số thành viên đồng ý: không ban hành được, "
                    "chỉ trả lại cơ quan soạn thảo."
                ),
                fields={"decision": "not_adopted"},
            )
        Ballot.objects.filter(pk=locked.pk).update(
            state=Ballot.State.DECIDED, decision=decision, decided_at=now, decision_note=note
        )
        audit_record(
            actor=actor,
            action="ballot.decide",
            object_type="ballot",
            object_id=locked.pk,
            data={"decision": decision},
        )
        locked.state, locked.decision, locked.decided_at, locked.decision_note = (
            Ballot.State.DECIDED,
            decision,
            now,
            note,
        )
    return _refresh(ballot, locked)
