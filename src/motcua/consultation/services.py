"""The writes of the consultation portal, one per intent: each checks the actor's right
(`access.py`), validates its input with Vietnamese messages (`checks.py`, `cost.py`), writes in
one transaction on the locked row and leaves one audit event. A refusal writes nothing.

`at` (a historical moment) is for the demo; pages never pass it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.consultation.access import (
    agency_manage_check,
    draft_manage_check,
    procedure_cost_check,
)
from motcua.consultation.checks import (
    ANSWER_MAX,
    REASON_MAX,
    TEXT_MAX,
    contact_clean,
    name_clean,
    plain_text,
    rate_hit,
)
from motcua.consultation.cost import ENTERED, CostParams, catalog_fees, params_check
from motcua.consultation.models import (
    Comment,
    CostParameters,
    Draft,
    PlanItem,
    Section,
    SimplificationPlan,
)
from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.text import search_fold, text_line
from motcua.directory.models import Agency, User

TITLE_MAX = 500
SECTION_TITLE_MAX = 300
SECTION_BODY_MAX = 50_000
SUMMARY_MAX = 5000
MAX_SECTIONS = 100
LONGEST_PERIOD = timedelta(days=365)


def public_name(full_name: str) -> str:
    """How a signed-in person's name is published (§10: a name is personal data): the family
    name and initials — "Nguyễn Văn An" → "Nguyễn V. A."."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


def _local_day(at: datetime | None) -> date:
    return timezone.localtime(at or timezone.now()).date()


def _locked_draft(draft: Draft) -> Draft:
    return Draft.objects.select_for_update().get(pk=draft.pk)


# ---------------------------------------------------------------- drafts


def draft_create(
    *,
    actor: User,
    agency: Agency,
    title: str,
    summary: str = "",
    sections: Sequence[tuple[str, str]],
    moderation_first: bool = False,
) -> Draft:
    """A draft being prepared, with its sections (title, body) in order; blank pairs skipped."""
    agency_manage_check(actor, agency)
    title = text_line(title, field="title", label=_("tên dự thảo"), limit=TITLE_MAX)
    summary = (
        plain_text(summary, field="summary", label=_("tóm tắt"), limit=SUMMARY_MAX)
        if (summary or "").strip()
        else ""
    )
    pairs = [(t, b) for t, b in sections if (t or "").strip() or (b or "").strip()]
    if not pairs:
        raise ValidationFailed(
            _("Dự thảo cần ít nhất một phần (tiêu đề và nội dung)."),
            fields={"sections": "required"},
        )
    if len(pairs) > MAX_SECTIONS:
        raise ValidationFailed(
            _("Dự thảo có tối đa %(n)d phần.") % {"n": MAX_SECTIONS},
            fields={"sections": "too_many"},
        )
    checked = []
    for number, (section_title, body) in enumerate(pairs, start=1):
        checked.append(
            (
                text_line(
                    section_title,
                    field=f"section_{number}_title",
                    label=_("tiêu đề phần %(n)d") % {"n": number},
                    limit=SECTION_TITLE_MAX,
                ),
                plain_text(
                    body,
                    field=f"section_{number}_body",
                    label=_("nội dung phần %(n)d") % {"n": number},
                    limit=SECTION_BODY_MAX,
                ),
            )
        )
    with transaction.atomic():
        draft = Draft.objects.create(
            agency=agency,
            title=title,
            summary=summary,
            moderation_first=moderation_first,
            created_by=actor,
            search_key=" " + search_fold(" ".join([title, *(f"{t} {b}" for t, b in checked)])),
        )
        Section.objects.bulk_create(
            Section(draft=draft, position=n, title=t, body=b)
            for n, (t, b) in enumerate(checked, start=1)
        )
        audit_record(
            actor=actor,
            action="consultation.draft_create",
            object_type="consultation_draft",
            object_id=draft.pk,
            data={"agency": agency.code, "sections": len(checked)},
        )
    return draft


def draft_publish(
    *, actor: User, draft: Draft, deadline: date | None, at: datetime | None = None
) -> Draft:
    """Published for comments until the end of `deadline` (a day from today to a year on)."""
    draft_manage_check(actor, draft)
    moment = at or timezone.now()
    today = _local_day(moment)
    if deadline is None:
        raise ValidationFailed(_("Nhập hạn góp ý."), fields={"deadline": "required"})
    if not today <= deadline <= today + LONGEST_PERIOD:
        raise ValidationFailed(
            _("Hạn góp ý phải từ hôm nay (%(today)s) đến một năm sau.")
            % {"today": f"{today:%d/%m/%Y}"},
            fields={"deadline": "out_of_range"},
        )
    with transaction.atomic():
        locked = _locked_draft(draft)
        if locked.status != Draft.Status.DRAFT:
            raise Conflict(_("Dự thảo đã được công bố."))
        Draft.objects.filter(pk=locked.pk).update(
            status=Draft.Status.OPEN, deadline=deadline, published_at=moment
        )
        audit_record(
            actor=actor,
            action="consultation.draft_publish",
            object_type="consultation_draft",
            object_id=locked.pk,
            data={"deadline": str(deadline)},
        )
    draft.status, draft.deadline, draft.published_at = Draft.Status.OPEN, deadline, moment
    return draft


def takes_comments(draft: Draft, *, today: date) -> bool:
    return (
        draft.status == Draft.Status.OPEN and draft.deadline is not None and today <= draft.deadline
    )


def comment_submit(
    *,
    actor: User | None,
    section: Section,
    text: str,
    name: str = "",
    contact: str = "",
    address: str = "",
    at: datetime | None = None,
) -> Comment:
    """A comment on a section of an open draft. Signed in: the account's name, published at
    once unless the agency moderates first. Anonymous: a name and a contact, held for
    moderation. Counted against the sender's address (`checks.rate_hit`)."""
    if address:
        rate_hit(address)
    signed_in = actor is not None and actor.is_authenticated
    cleaned = plain_text(text, field="text", label=_("nội dung góp ý"), limit=TEXT_MAX)
    if signed_in:
        assert actor is not None
        # Never the username: a citizen's is their personal ID.
        who, reach = public_name(actor.full_name) or _("Người góp ý"), ""
    else:
        who, reach = name_clean(name), contact_clean(contact)
    moment = at or timezone.now()
    with transaction.atomic():
        draft = _locked_draft(section.draft)
        if not takes_comments(draft, today=_local_day(moment)):
            raise Conflict(
                _("Dự thảo này không còn nhận góp ý (hạn góp ý: %(day)s).")
                % {"day": f"{draft.deadline:%d/%m/%Y}" if draft.deadline else "—"}
            )
        held = not signed_in or draft.moderation_first
        comment = Comment.objects.create(
            section=section,
            author=actor if signed_in else None,
            name=who[:200],
            contact=reach,
            text=cleaned,
            state=Comment.State.PENDING if held else Comment.State.PUBLISHED,
            created_at=moment,
        )
        audit_record(
            actor=actor if signed_in else None,
            action="consultation.comment_submit",
            object_type="consultation_comment",
            object_id=comment.pk,
            data={"draft": draft.pk, "section": section.pk, "held": held},
        )
    return comment


def _locked_comment(comment: Comment) -> tuple[Comment, Draft]:
    draft = _locked_draft(comment.section.draft)
    return Comment.objects.select_for_update().get(pk=comment.pk), draft


def comment_moderate(
    *,
    actor: User,
    comment: Comment,
    approve: bool,
    reason: str = "",
    at: datetime | None = None,
) -> Comment:
    """A held comment made public, or kept private with the reason (told to no one else)."""
    draft_manage_check(actor, comment.section.draft)
    if not approve:
        reason = text_line(
            reason, field="reason", label=_("lý do không công khai"), limit=REASON_MAX
        )
    with transaction.atomic():
        locked, draft = _locked_comment(comment)
        if draft.status == Draft.Status.CLOSED:
            raise Conflict(_("Dự thảo đã đóng; không kiểm duyệt thêm được."))
        if locked.state != Comment.State.PENDING:
            raise Conflict(_("Ý kiến này đã được kiểm duyệt."))
        locked.state = Comment.State.PUBLISHED if approve else Comment.State.REJECTED
        locked.reject_reason = "" if approve else reason
        locked.moderated_by, locked.moderated_at = actor, at or timezone.now()
        locked.save(update_fields=["state", "reject_reason", "moderated_by", "moderated_at"])
        audit_record(
            actor=actor,
            action="consultation.comment_moderate",
            object_type="consultation_comment",
            object_id=locked.pk,
            data={"state": locked.state},
        )
    return locked


def comment_answer(
    *,
    actor: User,
    comment: Comment,
    disposition: str,
    answer: str,
    at: datetime | None = None,
) -> Comment:
    """How a published comment was taken into account, with the agency's explanation; it may be
    changed until the draft is closed."""
    draft_manage_check(actor, comment.section.draft)
    if disposition not in Comment.Disposition.values:
        raise ValidationFailed(
            _("Chọn tiếp thu, tiếp thu một phần hoặc không tiếp thu."),
            fields={"disposition": "invalid"},
        )
    answer = plain_text(answer, field="answer", label=_("nội dung giải trình"), limit=ANSWER_MAX)
    with transaction.atomic():
        locked, draft = _locked_comment(comment)
        if draft.status == Draft.Status.CLOSED:
            raise Conflict(_("Dự thảo đã đóng; không sửa giải trình được."))
        if locked.state != Comment.State.PUBLISHED:
            raise Conflict(_("Chỉ giải trình ý kiến đã được công khai."))
        locked.disposition, locked.answer = disposition, answer
        locked.answered_by, locked.answered_at = actor, at or timezone.now()
        locked.save(update_fields=["disposition", "answer", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="consultation.comment_answer",
            object_type="consultation_comment",
            object_id=locked.pk,
            data={"disposition": disposition},
        )
    return locked


def draft_close(*, actor: User, draft: Draft, at: datetime | None = None) -> Draft:
    """Closes a draft after its deadline, publishing the summary: every comment moderated and
    every public one answered first."""
    draft_manage_check(actor, draft)
    moment = at or timezone.now()
    with transaction.atomic():
        locked = _locked_draft(draft)
        if locked.status != Draft.Status.OPEN:
            raise Conflict(_("Chỉ đóng được dự thảo đang lấy ý kiến."))
        assert locked.deadline is not None
        if _local_day(moment) <= locked.deadline:
            raise Conflict(
                _("Hạn góp ý đến hết ngày %(day)s; chỉ đóng sau ngày đó.")
                % {"day": f"{locked.deadline:%d/%m/%Y}"}
            )
        comments = Comment.objects.filter(section__draft=locked)
        pending = comments.filter(state=Comment.State.PENDING).count()
        unanswered = comments.filter(state=Comment.State.PUBLISHED, disposition="").count()
        if pending or unanswered:
            raise Conflict(
                _(
                    "Còn %(pending)d ý kiến chờ kiểm duyệt và %(unanswered)d ý kiến chưa giải "
                    "trình; xử lý hết trước khi đóng."
                )
                % {"pending": pending, "unanswered": unanswered}
            )
        Draft.objects.filter(pk=locked.pk).update(status=Draft.Status.CLOSED, closed_at=moment)
        audit_record(
            actor=actor,
            action="consultation.draft_close",
            object_type="consultation_draft",
            object_id=locked.pk,
            data={"comments": comments.filter(state=Comment.State.PUBLISHED).count()},
        )
    draft.status, draft.closed_at = Draft.Status.CLOSED, moment
    return draft


# ---------------------------------------------------------------- compliance cost


def cost_parameters_set(
    *, actor: User, procedure: Procedure, values: Mapping[str, Any]
) -> CostParameters:
    """The procedure's entered parameters, each range-checked (`cost.RANGES`)."""
    procedure_cost_check(actor, procedure)
    params = params_check(values, fields=ENTERED)
    with transaction.atomic():
        row, _created = CostParameters.objects.update_or_create(
            procedure=procedure,
            defaults={
                "hours": params.hours,
                "hourly_cost": params.hourly_cost,
                "other_costs": params.other_costs,
                "frequency": params.frequency,
                "subjects": params.subjects,
                "updated_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="consultation.cost_set",
            object_type="catalog_procedure",
            object_id=procedure.code,
            data={k: str(v) for k, v in params.as_json().items() if k != "fees"},
        )
    return row


def procedure_cost(procedure: Procedure) -> CostParams | None:
    """The model's parameters of the procedure with the catalog's fees, or None when none were
    entered."""
    row = CostParameters.objects.filter(procedure=procedure).first()
    if row is None:
        return None
    return CostParams(
        hours=row.hours,
        hourly_cost=row.hourly_cost,
        fees=catalog_fees(procedure),
        other_costs=row.other_costs,
        frequency=row.frequency,
        subjects=row.subjects,
    )


def plan_create(*, actor: User, agency: Agency, title: str, year: int | None) -> SimplificationPlan:
    agency_manage_check(actor, agency)
    title = text_line(title, field="title", label=_("tên phương án"), limit=TITLE_MAX)
    if year is None or not 2000 <= year <= 2100:
        raise ValidationFailed(
            _("Năm của phương án phải từ 2000 đến 2100."), fields={"year": "out_of_range"}
        )
    with transaction.atomic():
        plan = SimplificationPlan.objects.create(
            agency=agency, title=title, year=year, created_by=actor
        )
        audit_record(
            actor=actor,
            action="consultation.plan_create",
            object_type="consultation_plan",
            object_id=plan.pk,
            data={"agency": agency.code, "year": year},
        )
    return plan


def _side(values: Mapping[str, Any], prefix: str) -> CostParams:
    """One side's parameters; a refusal names the field with its side (`before_hours`)."""
    try:
        return params_check(values)
    except ValidationFailed as error:
        side = _("Trước đơn giản hóa") if prefix == "before" else _("Sau đơn giản hóa")
        raise ValidationFailed(
            f"{side}: {error.message}",
            fields={f"{prefix}_{name}": why for name, why in error.fields.items()},
        ) from None


def plan_item_add(
    *,
    actor: User,
    plan: SimplificationPlan,
    procedure: Procedure,
    measure: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> PlanItem:
    """A procedure the plan simplifies, with the model's parameters before and after; the
    after side may not cost more (a plan claims a saving)."""
    agency_manage_check(actor, plan.agency)
    measure = text_line(measure, field="measure", label=_("nội dung đơn giản hóa"), limit=1000)
    was, will = _side(before, "before"), _side(after, "after")
    if will.per_year > was.per_year:
        raise ValidationFailed(
            _("Chi phí sau đơn giản hóa cao hơn trước; phương án phải cắt giảm chi phí."),
            fields={"after": "costs_more"},
        )
    with transaction.atomic():
        SimplificationPlan.objects.select_for_update().filter(pk=plan.pk).exists()
        if PlanItem.objects.filter(plan=plan, procedure=procedure).exists():
            raise ValidationFailed(
                _("Thủ tục %(code)s đã có trong phương án.") % {"code": procedure.code},
                fields={"procedure": "duplicate"},
            )
        item = PlanItem.objects.create(
            plan=plan,
            procedure=procedure,
            measure=measure,
            before=was.as_json(),
            after=will.as_json(),
        )
        audit_record(
            actor=actor,
            action="consultation.plan_item_add",
            object_type="consultation_plan",
            object_id=plan.pk,
            data={"procedure": procedure.code, "saving": was.per_year - will.per_year},
        )
    return item
