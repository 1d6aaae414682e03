"""Writes of the messaging channel: the one-time link code, linking and unlinking, and the
handling of one platform event (`inbound_event_handle`: the event's id, the counters, the
command and the reply in one transaction).

Commands a follower sends (case and accents do not matter):
- the 8-character code from the portal page (optionally after `LIENKET`): links the account;
- `TRACUU <mã hồ sơ>`: the state of one of the citizen's own dossiers, nothing else;
- `PAKN <nội dung>` (with photos, as the photos' caption): a petition through
  `feedback.services.petition_submit`, to the dossier's agency when the text starts with one
  of the citizen's dossier codes, else to the agency MOTCUA_MESSAGING_PETITION_AGENCY;
- `HUYLIENKET`: unlinks; anything else: the help text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.core.outbox import outbox_write
from motcua.core.text import fold
from motcua.directory.models import Agency, User
from motcua.messaging.events import Event
from motcua.messaging.models import ChannelLink, CommandCounter, InboundEvent, LinkCode
from motcua.messaging.platform import config
from motcua.messaging.selectors import dossier_status_text, own_dossier

log = logging.getLogger(__name__)

REPLY_TOPIC = "messaging.reply"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE = re.compile(rf"(?:LIENKET\s*)?([{CODE_ALPHABET}]{{{CODE_LENGTH}}})")


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _citizen(actor: User | None) -> User:
    if actor is None or not actor.is_authenticated or not actor.personal_id:
        raise PermissionDenied(
            _("Cần đăng nhập bằng tài khoản công dân để liên kết kênh nhắn tin.")
        )
    return actor


def link_code_issue(*, actor: User, at: datetime | None = None) -> str:
    """A new one-time code for the actor (its hash kept, the code returned to show once); the
    actor's earlier unused codes stop working."""
    user = _citizen(actor)
    moment = at or timezone.now()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        LinkCode.objects.filter(user=user, used_at__isnull=True).delete()
        LinkCode.objects.create(
            user=user,
            code_hash=_hash(code),
            created_at=moment,
            expires_at=moment + timedelta(minutes=int(config()["code_minutes"])),
        )
        audit_record(
            actor=user, action="messaging.code_issue", object_type="user", object_id=user.pk
        )
    return code


def channel_link(*, follower_id: str, code: str, at: datetime | None = None) -> ChannelLink:
    """Link the code's owner to the follower who sent it; the code is spent. A follower
    already linked to another account must unlink first; an account linked elsewhere moves to
    this follower."""
    moment = at or timezone.now()
    with transaction.atomic():
        found = LinkCode.objects.select_for_update().filter(code_hash=_hash(code)).first()
        if found is None:
            raise ValidationFailed(
                _(
                    "Mã liên kết không đúng. Hãy lấy mã trên trang Kênh nhắn tin của Cổng dịch vụ "
                    "công."
                ),
                code="code_wrong",
            )
        if found.used_at is not None:
            raise ValidationFailed(
                _("Mã liên kết này đã được dùng. Hãy lấy mã mới trên Cổng dịch vụ công."),
                code="code_used",
            )
        if found.expires_at <= moment:
            raise ValidationFailed(
                _("Mã liên kết đã hết hạn. Hãy lấy mã mới trên Cổng dịch vụ công."),
                code="code_expired",
            )
        other = ChannelLink.objects.filter(follower_id=follower_id).exclude(user_id=found.user_id)
        if other.exists():
            raise ValidationFailed(
                _(
                    "Tài khoản nhắn tin này đang liên kết với một tài khoản khác; hãy gửi "
                    "HUYLIENKET trước."
                ),
                code="follower_taken",
            )
        found.used_at = moment
        found.save(update_fields=["used_at"])
        link, _created = ChannelLink.objects.update_or_create(
            user_id=found.user_id, defaults={"follower_id": follower_id, "linked_at": moment}
        )
        audit_record(
            actor=found.user,
            action="messaging.link",
            object_type="messaging_link",
            object_id=link.pk,
        )
    return link


def channel_unlink(*, actor: User, at: datetime | None = None) -> None:
    """The actor's own link removed (from the portal page or by HUYLIENKET in the chat)."""
    user = _citizen(actor)
    with transaction.atomic():
        link = ChannelLink.objects.select_for_update().filter(user=user).first()
        if link is None:
            raise NotFound(_("Tài khoản chưa liên kết kênh nhắn tin nào."))
        link_id = link.pk
        link.delete()
        audit_record(
            actor=user, action="messaging.unlink", object_type="messaging_link", object_id=link_id
        )


# ---------------------------------------------------------------- rate limits


@dataclass(frozen=True)
class Limit:
    scope: str
    seconds: int
    setting: str


PER_MINUTE = Limit("minute", 60, "commands_per_minute")
PER_DAY = Limit("day", 86400, "commands_per_day")
LINK_FAILURES = Limit("link_fail", 3600, "link_failures_per_hour")
PETITIONS = Limit("petition", 86400, "petitions_per_day")


def _window(limit: Limit, moment: datetime) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % limit.seconds, tz=moment.tzinfo)


def _count(follower_id: str, limit: Limit, moment: datetime) -> int:
    row = CommandCounter.objects.filter(
        follower_id=follower_id, scope=limit.scope, window=_window(limit, moment)
    ).first()
    return row.count if row else 0


def _bump(follower_id: str, limit: Limit, moment: datetime) -> int:
    """Count one more in the window; returns the new count (the caller's transaction)."""
    window = _window(limit, moment)
    row, created = CommandCounter.objects.get_or_create(
        follower_id=follower_id, scope=limit.scope, window=window, defaults={"count": 1}
    )
    if created:
        return 1
    CommandCounter.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return row.count + 1


def _over(count: int, limit: Limit) -> bool:
    return count > int(config()[limit.setting])


# ---------------------------------------------------------------- one event


HELP = (
    "Cổng dịch vụ công — kênh nhắn tin.\n"
    "• Liên kết tài khoản: gửi mã 8 ký tự lấy tại trang Tài khoản › Kênh nhắn tin.\n"
    "• Tra cứu hồ sơ: TRACUU <mã hồ sơ>\n"
    "• Gửi phản ánh, kiến nghị: PAKN <nội dung> (có thể kèm ảnh)\n"
    "• Hủy liên kết: HUYLIENKET"
)


@dataclass
class Outcome:
    code: str
    reply: str = ""


def _reply(event: Event, text: str) -> None:
    outbox_write(
        topic=REPLY_TOPIC,
        payload={"follower_id": event.follower_id, "text": text, "key": f"reply-{event.event_id}"},
    )


def inbound_event_handle(
    *, event: Event, photos: list | None = None, at: datetime | None = None
) -> tuple[str, bool]:
    """Act on one verified event; returns (outcome, duplicate). The event's row, the counters,
    what the command writes and the reply are one transaction: a failure leaves none of them,
    and a retried delivery of the same event is answered as a duplicate."""
    moment = at or timezone.now()
    try:
        with transaction.atomic():
            if InboundEvent.objects.filter(event_id=event.event_id).exists():
                return InboundEvent.objects.get(event_id=event.event_id).outcome, True
            outcome = _dispatch(event, photos or [], moment)
            InboundEvent.objects.create(
                event_id=event.event_id,
                event_name=event.event_name,
                follower_id=event.follower_id,
                received_at=moment,
                outcome=outcome.code,
            )
            if outcome.reply:
                _reply(event, outcome.reply)
    except IntegrityError:
        # The same event delivered twice at once: the other delivery's row won.
        found = InboundEvent.objects.filter(event_id=event.event_id).first()
        if found is None:
            raise
        return found.outcome, True
    log.info(
        "messaging.event %s %s",
        event.event_name,
        outcome.code,
        extra={"code": "messaging.event", "outcome": outcome.code},
    )
    return outcome.code, False


def _dispatch(event: Event, photos: list, moment: datetime) -> Outcome:
    follower = event.follower_id
    if event.event_name == "follow":
        return Outcome("followed", HELP)
    if event.event_name == "unfollow":
        removed = ChannelLink.objects.filter(follower_id=follower).first()
        if removed is not None:
            user, link_id = removed.user, removed.pk
            removed.delete()
            audit_record(
                actor=user,
                action="messaging.unlink",
                object_type="messaging_link",
                object_id=link_id,
                data={"by": "unfollow"},
            )
        return Outcome("unfollowed")
    if event.event_name not in ("user_send_text", "user_send_image"):
        return Outcome("ignored")
    minute, day = _bump(follower, PER_MINUTE, moment), _bump(follower, PER_DAY, moment)
    if _over(minute, PER_MINUTE) or _over(day, PER_DAY):
        first_refusal = (
            minute == int(config()[PER_MINUTE.setting]) + 1
            or day == int(config()[PER_DAY.setting]) + 1
        )
        text = (
            _("Bạn đã gửi quá nhiều tin nhắn. Xin vui lòng thử lại sau ít phút.")
            if _over(minute, PER_MINUTE)
            else _("Bạn đã gửi quá nhiều tin nhắn hôm nay. Xin vui lòng thử lại vào ngày mai.")
        )
        # Told once per window, not once per message.
        return Outcome("rate_limited", text if first_refusal else "")
    command = _command(event.text)
    link = ChannelLink.objects.select_related("user").filter(follower_id=follower).first()
    if command.name == "link" and not event.image_urls:
        return _link(event, command.argument, moment)
    if command.name == "unlink":
        if link is None:
            return Outcome(
                "not_linked", _("Tài khoản nhắn tin này chưa liên kết với tài khoản nào.")
            )
        channel_unlink(actor=link.user, at=moment)
        return Outcome(
            "unlinked", _("Đã hủy liên kết. Bạn sẽ không nhận thông báo qua kênh này nữa.")
        )
    if command.name in ("track", "petition") and link is None:
        return Outcome(
            "not_linked",
            _(
                "Hãy liên kết tài khoản trước: đăng nhập Cổng dịch vụ công, vào Tài khoản › "
                "Kênh nhắn tin để lấy mã, rồi gửi mã đó vào đây."
            ),
        )
    if command.name == "track" and link is not None:
        dossier = own_dossier(link.user, command.argument)
        if dossier is None:
            return Outcome(
                "track_not_found",
                _("Không tìm thấy hồ sơ %(code)s trong hồ sơ của bạn.")
                % {"code": command.argument[:40]},
            )
        return Outcome("tracked", dossier_status_text(dossier))
    if command.name == "petition" and link is not None:
        return _petition(link.user, command.argument, event, photos, moment)
    if event.image_urls:
        return Outcome(
            "help",
            _("Để gửi ảnh kèm phản ánh, hãy ghi chú thích bắt đầu bằng PAKN và nội dung phản ánh."),
        )
    return Outcome("help", HELP)


@dataclass(frozen=True)
class Command:
    name: str  # link, unlink, track, petition, "" (help)
    argument: str = ""


def _command(text: str) -> Command:
    """What a message asks, read without case or accents (`Tra cứu`, `TRACUU`, `pakn`)."""
    words = text.split()
    folded = [fold(word).upper() for word in words]
    compact = "".join(folded)
    if compact == "HUYLIENKET":
        return Command("unlink")
    code = _CODE.fullmatch(compact) if len(words) <= 2 else None
    if code and not compact.startswith(("PAKN", "TRACUU")):
        return Command("link", code.group(1))
    if folded[:1] == ["TRACUU"] and len(words) >= 2:
        return Command("track", words[1].upper())
    if folded[:2] == ["TRA", "CUU"] and len(words) >= 3:
        return Command("track", words[2].upper())
    if folded and folded[0].startswith("PAKN"):
        rest = text.strip()[len(words[0]) :] if folded[0] == "PAKN" else text.strip()[4:]
        return Command("petition", rest.lstrip(" :,.-\n"))
    return Command("")


def _link(event: Event, code: str, moment: datetime) -> Outcome:
    if _over(_count(event.follower_id, LINK_FAILURES, moment) + 1, LINK_FAILURES):
        return Outcome(
            "rate_limited", _("Bạn đã nhập sai mã quá nhiều lần. Xin vui lòng thử lại sau một giờ.")
        )
    try:
        link = channel_link(follower_id=event.follower_id, code=code, at=moment)
    except ValidationFailed as refusal:
        if refusal.code != "follower_taken":
            _bump(event.follower_id, LINK_FAILURES, moment)
        return Outcome(refusal.code, refusal.message)
    del link
    return Outcome(
        "linked",
        _("Đã liên kết tài khoản Cổng dịch vụ công. Bạn sẽ nhận thông báo về hồ sơ qua kênh này.")
        + "\n\n"
        + HELP,
    )


def _petition(user: User, body: str, event: Event, photos: list, moment: datetime) -> Outcome:
    from motcua.feedback.models import Kind
    from motcua.feedback.services import petition_submit

    if _over(_count(event.follower_id, PETITIONS, moment) + 1, PETITIONS):
        return Outcome(
            "quota",
            _(
                "Mỗi ngày bạn gửi được tối đa %(n)d phản ánh, kiến nghị qua kênh này. Xin vui "
                "lòng gửi tiếp vào ngày mai."
            )
            % {"n": int(config()[PETITIONS.setting])},
        )
    content = body.strip()
    dossier = None
    first = content.split(None, 1)
    if first:
        dossier = own_dossier(user, first[0].upper().rstrip(":,."))
        if dossier is not None:
            content = first[1].strip() if len(first) > 1 else ""
    agency = None
    if dossier is None:
        agency = (
            Agency.objects.filter(code=config()["petition_agency"]).first()
            if config()["petition_agency"]
            else None
        )
        if agency is None:
            return Outcome(
                "petition_no_agency",
                _(
                    "Hãy ghi mã hồ sơ của bạn ngay sau PAKN để phản ánh tới cơ quan giải quyết "
                    "hồ sơ đó."
                ),
            )
    subject_line = content.splitlines()[0] if content else ""
    subject = subject_line[:80].rsplit(" ", 1)[0] if len(subject_line) > 80 else subject_line
    try:
        petition = petition_submit(
            actor=user,
            agency=agency,
            dossier=dossier,
            kind=Kind.REFLECTION,
            subject=subject,
            content=content,
            photos=photos,
            at=moment,
        )
    except MotcuaError as refusal:
        return Outcome(f"petition_{refusal.code}"[:32], refusal.message)
    _bump(event.follower_id, PETITIONS, moment)
    return Outcome(
        "petition",
        _("Đã tiếp nhận phản ánh, kiến nghị %(ref)s gửi %(agency)s. Hạn trả lời: %(due)s.")
        % {
            "ref": petition.reference,
            "agency": petition.agency.name,
            "due": timezone.localtime(petition.due_at).strftime("%d/%m/%Y"),
        },
    )
