"""Petition writes: submit, answer, reject, rate. Each one checks who acts, validates,
and in one transaction changes the petition, appends its event, moves the index counters
(`before = contributions; change; counters_move`), writes the audit row and, for a reply,
the outbox row that tells the citizen."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.calendar import working_calendar
from motcua.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.core.outbox import outbox_write
from motcua.core.uploads import files_deleted_on_failure, upload_check, uploads_save
from motcua.counters.services import counters_apply, counters_move
from motcua.directory.models import Agency, User
from motcua.dossiers.models import Dossier
from motcua.feedback.metrics import petition_contributions
from motcua.feedback.models import (
    Kind,
    Petition,
    PetitionEvent,
    PetitionPhoto,
    PetitionRating,
    PetitionState,
)
from motcua.feedback.selectors import petition_handler_agency_ids

SUBJECT_MIN, SUBJECT_MAX = 5, 200
CONTENT_MIN, CONTENT_MAX = 20, 5000
ANSWER_MIN, ANSWER_MAX = 20, 10000
REASON_MIN, REASON_MAX = 10, 2000
# The same text sent twice in this window is a double click, not a second petition.
DUPLICATE_WINDOW = timedelta(minutes=10)
PHOTOS_MAX = 5
PHOTO_TYPES = {"image/jpeg", "image/png"}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def answer_days() -> int:
    """settings.MOTCUA_PETITION_ANSWER_DAYS, refused unless it is a whole number of days >= 1:
    a deadline on or before the day of receipt is not a deadline, and would otherwise surface
    as a 500 on every submission."""
    days = settings.MOTCUA_PETITION_ANSWER_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ImproperlyConfigured(
            f"MOTCUA_PETITION_ANSWER_DAYS must be a whole number of working days, at least 1 "
            f"(got {days!r})."
        )
    return days


def petition_due_at(agency: Agency, received_at: datetime) -> datetime:
    """The answer deadline: the end of the N-th working day after the day of receipt on the
    agency's calendar (N = settings.MOTCUA_PETITION_ANSWER_DAYS, 10 by default).

    Assumed legal basis: Nghị định 20/2008/NĐ-CP on receiving and handling petitions about
    administrative regulations, as amended by Nghị định 92/2017/NĐ-CP, read as "answer within
    10 working days of receipt", counted from the day after receipt like the §7 publication
    deadline. A deployment under another rule changes the setting, not the code.
    """
    calendar = working_calendar(agency.office_hours)
    day = calendar.add_working_days(timezone.localtime(received_at).date(), answer_days())
    return calendar.periods_on(day)[-1][1]


def _new_reference(at: datetime) -> str:
    tail = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"PA-{timezone.localdate(at):%y%m%d}-{tail}"


def _text(value: Any, field: str, label: str, low: int, high: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise ValidationFailed(
            _("%(label)s có ký tự không hợp lệ.") % {"label": label}, fields={field: "invalid"}
        )
    if len(text) < low:
        raise ValidationFailed(
            _("%(label)s phải có ít nhất %(n)d ký tự.") % {"label": label, "n": low},
            fields={field: "too_short" if text else "required"},
        )
    if len(text) > high:
        raise ValidationFailed(
            _("%(label)s không được dài quá %(n)d ký tự.") % {"label": label, "n": high},
            fields={field: "too_long"},
        )
    return text


def _event(
    petition: Petition,
    *,
    actor: User | None,
    action: str,
    at: datetime,
    from_state: str,
    payload: dict[str, Any] | None = None,
) -> PetitionEvent:
    last = petition.events.aggregate(seq=Max("seq"))["seq"] or 0
    return PetitionEvent.objects.create(
        petition=petition,
        seq=last + 1,
        at=at,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_state=from_state,
        to_state=petition.state,
        payload=payload or {},
    )


def petition_submit(
    *,
    actor: User,
    agency: Agency | None,
    kind: str,
    subject: str,
    content: str,
    dossier: Dossier | None = None,
    publish_consent: bool = False,
    photos: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Petition:
    """A signed-in citizen's petition to an agency, about one of their own dossiers or not,
    with up to PHOTOS_MAX photos (JPEG or PNG, `upload_check`), all checked before anything is
    written and kept with the petition in its transaction."""
    if actor is None or not actor.is_authenticated or not actor.personal_id:
        raise PermissionDenied(
            _("Cần đăng nhập bằng tài khoản công dân để gửi phản ánh, kiến nghị.")
        )
    if dossier is not None and dossier.applicant_id != actor.pk:
        # The same answer as a dossier that does not exist: nobody learns others' codes.
        raise NotFound(_("Không tìm thấy hồ sơ này trong hồ sơ của bạn."))
    if agency is None and dossier is not None:
        agency = dossier.agency
    if agency is None:
        raise ValidationFailed(
            _("Hãy chọn cơ quan nhận phản ánh, kiến nghị."), fields={"agency": "required"}
        )
    if agency.merged_into_id is not None:
        raise ValidationFailed(
            _("%(agency)s đã sáp nhập; hãy gửi tới cơ quan đã tiếp nhận nhiệm vụ.")
            % {"agency": agency.name},
            fields={"agency": "merged"},
        )
    if kind not in Kind.values:
        raise ValidationFailed(
            _("Hãy chọn loại: phản ánh hoặc kiến nghị."), fields={"kind": "invalid"}
        )
    subject = _text(subject, "subject", _("Tiêu đề"), SUBJECT_MIN, SUBJECT_MAX)
    content = _text(content, "content", _("Nội dung"), CONTENT_MIN, CONTENT_MAX)
    checked = _photos_check(photos)
    moment = at or timezone.now()
    with files_deleted_on_failure() as saved, transaction.atomic():
        # Locks the sender's row so that a double submit queues behind the first one and
        # then sees it.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        duplicate = Petition.objects.filter(
            citizen=actor,
            subject=subject,
            content=content,
            # Both sides: historical moments (the demo, imports) may arrive out of order.
            created_at__range=(moment - DUPLICATE_WINDOW, moment + DUPLICATE_WINDOW),
        ).first()
        if duplicate is not None:
            raise Conflict(
                _("Phản ánh, kiến nghị này đã được gửi (mã %(ref)s); không cần gửi lại.")
                % {"ref": duplicate.reference}
            )
        petition = Petition.objects.create(
            reference=_new_reference(moment),
            agency=agency,
            dossier=dossier,
            citizen=actor,
            kind=kind,
            subject=subject,
            content=content,
            publish_consent=bool(publish_consent),
            created_at=moment,
            due_at=petition_due_at(agency, moment),
        )
        uploads_save(
            [PetitionPhoto(petition=petition) for _ in checked], checked, saved, default_name="anh"
        )
        _event(petition, actor=actor, action="submit", at=moment, from_state="")
        counters_apply(petition_contributions(petition))
        audit_record(
            actor=actor,
            action="petition.submit",
            object_type="petition",
            object_id=petition.pk,
            data={
                "agency": agency.code,
                "kind": kind,
                **({"photos": len(checked)} if checked else {}),
            },
        )
    return petition


def _photos_check(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, bytes, str]]:
    if len(photos) > PHOTOS_MAX:
        raise ValidationFailed(
            _("Mỗi phản ánh, kiến nghị kèm tối đa %(n)d ảnh.") % {"n": PHOTOS_MAX},
            fields={"photos": "too_many"},
        )
    checked = []
    for photo in photos:
        data, mime = upload_check(photo, field="photos")
        if mime not in PHOTO_TYPES:
            raise ValidationFailed(
                _("Tệp “%(name)s” không phải ảnh JPEG hoặc PNG.") % {"name": photo.name},
                fields={"photos": "type"},
            )
        checked.append((photo, data, mime))
    return checked


def _lock_open_for_staff(actor: User | None, petition: Petition, moment: datetime) -> Petition:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Cần đăng nhập bằng tài khoản cán bộ để trả lời."))
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if locked.agency_id not in petition_handler_agency_ids(actor):
        raise PermissionDenied(
            _("Bạn không có quyền xử lý phản ánh, kiến nghị gửi tới cơ quan này.")
        )
    if locked.state != PetitionState.RECEIVED:
        raise TransitionNotAllowed(
            _("Phản ánh, kiến nghị %(ref)s đã được xử lý (%(state)s).")
            % {"ref": locked.reference, "state": PetitionState(locked.state).label}
        )
    if moment < locked.created_at:
        raise ValidationFailed(
            _("Thời điểm trả lời không được trước thời điểm tiếp nhận."), fields={"at": "invalid"}
        )
    return locked


def _reply(
    *, actor: User, petition: Petition, state: str, at: datetime | None, **fields: Any
) -> Petition:
    moment = at or timezone.now()
    with transaction.atomic():
        locked = _lock_open_for_staff(actor, petition, moment)
        before = petition_contributions(locked)
        from_state = locked.state
        locked.state = state
        locked.answered_at = moment
        locked.answered_by = actor
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["state", "answered_at", "answered_by", *fields])
        counters_move(before, petition_contributions(locked))
        action = "answer" if state == PetitionState.ANSWERED else "reject"
        if action == "answer":
            payload: dict[str, Any] = {"published": locked.answer_published}
        else:
            payload = {"reason": fields["reject_reason"]}
        event = _event(
            locked, actor=actor, action=action, at=moment, from_state=from_state, payload=payload
        )
        audit_record(
            actor=actor,
            action=f"petition.{action}",
            object_type="petition",
            object_id=locked.pk,
            data={"on_time": moment <= locked.due_at, "published": locked.answer_published},
        )
        outbox_write(
            topic="petition.notify", payload={"petition_id": locked.pk, "event_id": event.pk}
        )
    return locked


def petition_answer(
    *,
    actor: User,
    petition: Petition,
    answer: str,
    publish: bool = False,
    at: datetime | None = None,
) -> Petition:
    """The agency's answer; with `publish` (the answering officer's choice, only when the
    sender consented) it is listed on the public page."""
    text = _text(answer, "answer", _("Nội dung trả lời"), ANSWER_MIN, ANSWER_MAX)
    if publish and not petition.publish_consent:
        raise ValidationFailed(
            _("Người gửi không đồng ý công khai; câu trả lời không thể được công khai."),
            fields={"publish": "no_consent"},
        )
    return _reply(
        actor=actor,
        petition=petition,
        state=PetitionState.ANSWERED,
        at=at,
        answer=text,
        answer_published=bool(publish),
    )


def petition_reject(
    *, actor: User, petition: Petition, reason: str, at: datetime | None = None
) -> Petition:
    """Out of the agency's scope: closed with the reason (and where to turn) for the citizen."""
    text = _text(reason, "reason", _("Lý do"), REASON_MIN, REASON_MAX)
    return _reply(
        actor=actor,
        petition=petition,
        state=PetitionState.REJECTED,
        at=at,
        reject_reason=text,
    )


def petition_rate(
    *, actor: User, petition: Petition, rating: str, at: datetime | None = None
) -> Petition:
    """The sender's rating of the answer (§7 `petitions_satisfied`): once, after an answer."""
    if rating not in PetitionRating.values:
        raise ValidationFailed(
            _("Hãy chọn một mức: hài lòng hoặc không hài lòng."), fields={"rating": "invalid"}
        )
    moment = at or timezone.now()
    with transaction.atomic():
        locked = Petition.objects.select_for_update().get(pk=petition.pk)
        if actor is None or not actor.is_authenticated or locked.citizen_id != actor.pk:
            raise PermissionDenied(_("Chỉ người gửi phản ánh, kiến nghị được đánh giá."))
        if locked.state != PetitionState.ANSWERED:
            raise TransitionNotAllowed(
                _("Chỉ đánh giá được khi phản ánh, kiến nghị đã được trả lời.")
            )
        if locked.rating:
            raise TransitionNotAllowed(
                _(
                    "Bạn đã đánh giá câu trả lời này ngày %(day)s; mỗi câu trả lời chỉ đánh giá "
                    "một lần."
                )
                % {"day": timezone.localtime(locked.rated_at).strftime("%d/%m/%Y")}
            )
        if locked.answered_at is not None and moment < locked.answered_at:
            raise ValidationFailed(
                _("Thời điểm đánh giá không được trước thời điểm trả lời."),
                fields={"at": "invalid"},
            )
        before = petition_contributions(locked)
        locked.rating = rating
        locked.rated_at = moment
        locked.save(update_fields=["rating", "rated_at"])
        counters_move(before, petition_contributions(locked))
        _event(
            locked,
            actor=actor,
            action="rate",
            at=moment,
            from_state=locked.state,
            payload={"rating": rating},
        )
        audit_record(
            actor=actor,
            action="petition.rate",
            object_type="petition",
            object_id=locked.pk,
            data={"rating": rating},
        )
    return locked
