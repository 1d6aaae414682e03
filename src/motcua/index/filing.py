"""Filing the periodic statistics report (§8.1) to the level above.

A scheduled job (`motcua report-draft`) drafts each period's report on the first working day
after it ends: a month, and a quarter, half-year or year when one ends with it. A leader of the
agency checks the draft and submits it: the figures are computed again and frozen, the PDF is
rendered and signed with the agency's key. A submitted version never changes; a correction is
the next version, a draft again, with its reason. The level above reads, for a period, which of
its direct children filed, which only have a draft and which have nothing, beside its own table
(which already sums everything below it).

The figures stay reproducible: `filed_report_drift` recomputes them from the dossiers and names
the cells that differ (none on unchanged data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.calendar import working_calendar
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.http import public_url
from motcua.directory.models import Agency, Role, StaffRole, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.models import Dossier
from motcua.esign.signing import signer_get
from motcua.index.engine import Period
from motcua.index.exports.report_pdf import statistics_report_pdf
from motcua.index.models import FiledReport
from motcua.index.report import StatisticsReport, report_period_check, statistics_report

Kind = FiledReport.Kind
Status = FiledReport.Status
MAX_REASON = 2000
# The months each kind of period spans, shortest first.
MONTHS: dict[str, int] = {Kind.MONTH: 1, Kind.QUARTER: 3, Kind.HALF: 6, Kind.YEAR: 12}


# ---------------------------------------------------------------- periods


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def kind_period(kind: str, start: date) -> Period:
    """The reporting period of `kind` that begins on `start`; a refusal when none does."""
    months = MONTHS.get(kind)
    if months is None:
        raise ValidationFailed(_("Loại kỳ báo cáo không hợp lệ."), fields={"kind": "invalid"})
    if start.day != 1 or (start.month - 1) % months:
        raise ValidationFailed(
            _("Ngày %(day)s không phải ngày đầu của một kỳ báo cáo %(kind)s.")
            % {"day": f"{start:%d/%m/%Y}", "kind": Kind(kind).label.lower()},
            fields={"from": "not_period_start"},
        )
    return Period(start, _month_end(start.year, start.month + months - 1))


def period_kind(period: Period) -> str:
    """The kind of a reporting period (a whole month, quarter, half-year or year)."""
    for kind in MONTHS:
        try:
            if kind_period(kind, period.start) == period:
                return kind
        except ValidationFailed:
            continue
    raise ValidationFailed(
        _(
            "Kỳ từ %(start)s đến %(end)s không phải một kỳ báo cáo định kỳ (tháng, quý, "
            "6 tháng hoặc năm)."
        )
        % {"start": f"{period.start:%d/%m/%Y}", "end": f"{period.end:%d/%m/%Y}"},
        fields={"from": "not_a_reporting_period"},
    )


def periods_ending(last_day: date) -> list[tuple[str, Period]]:
    """The reporting periods whose last day is `last_day` (the last of a month)."""
    if last_day != _month_end(last_day.year, last_day.month):
        return []
    out: list[tuple[str, Period]] = []
    for kind, months in MONTHS.items():
        if last_day.month % months == 0:
            first = date(last_day.year, last_day.month - months + 1, 1)
            out.append((kind, Period(first, last_day)))
    return out


def first_working_day(year: int, month: int) -> date:
    calendar = working_calendar()
    day = date(year, month, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def periods_due(day: date) -> list[tuple[str, Period]]:
    """What the job drafts on `day`: the periods ended with the last month, when `day` is
    the first working day of its month; nothing on any other day."""
    if day != first_working_day(day.year, day.month):
        return []
    return periods_ending(day.replace(day=1) - timedelta(days=1))


def _ended_check(period: Period, *, today: date) -> None:
    report_period_check(period, today=today)
    if period.end >= today:
        raise ValidationFailed(
            _("Kỳ báo cáo kết thúc ngày %(day)s: chỉ lập báo cáo sau khi kỳ đã kết thúc.")
            % {"day": f"{period.end:%d/%m/%Y}"},
            fields={"to": "not_ended"},
        )


# ---------------------------------------------------------------- reads


def filed_period(filed: FiledReport) -> Period:
    return Period(filed.period_start, filed.period_end)


def filed_report_versions(agency: Agency, period: Period) -> list[FiledReport]:
    """Every version for the agency and period, newest first."""
    return list(
        FiledReport.objects.filter(
            agency=agency, period_start=period.start, period_end=period.end
        ).order_by("-version")
    )


def filed_report_drift(filed: FiledReport) -> list[str]:
    """The cells whose stored figure differs from what the dossiers give today, named
    `sector/group/cell` (`total/group/cell` for the total row); empty when the report is
    reproduced exactly."""
    now = dict(_flat(statistics_report(agency=filed.agency, period=filed_period(filed)).as_json()))
    then = dict(_flat(filed.figures))
    return sorted(name for name in then.keys() | now.keys() if then.get(name) != now.get(name))


def _flat(figures: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("agency", "from", "to"):
        yield key, figures[key]
    for row in figures["rows"]:
        for group, cells in row.items():
            if group != "sector":
                for cell, value in cells.items():
                    yield f"{row['sector']}/{group}/{cell}", value
    for group, cells in figures["total"].items():
        for cell, value in cells.items():
            yield f"total/{group}/{cell}", value


@dataclass(frozen=True)
class ChildStatus:
    agency: Agency
    filed: FiledReport | None  # the latest submitted version
    draft: FiledReport | None  # a version being drafted (a first one or a correction)

    @property
    def state(self) -> str:
        if self.filed is not None:
            return "filed"
        return "draft" if self.draft is not None else "missing"


@dataclass(frozen=True)
class FilingStatus:
    parent: Agency
    kind: str
    period: Period
    children: list[ChildStatus]
    rollup: StatisticsReport

    @property
    def missing(self) -> list[Agency]:
        return [child.agency for child in self.children if child.filed is None]


def filing_status(parent_agency: Agency, kind: str, period: Period) -> FilingStatus:
    """Each direct child of `parent_agency` for the period: its latest submitted version, its
    draft, or nothing; and the roll-up, the parent's own table (its whole subtree)."""
    if kind_period(kind, period.start) != period:
        raise ValidationFailed(_("Kỳ báo cáo không khớp với loại kỳ."), fields={"kind": "mismatch"})
    # A child merged on or before the period's first day reports nothing of its own: its
    # figures are in its successor's table (`directory.selectors.AgencyScope`).
    children = list(
        Agency.objects.filter(parent=parent_agency)
        .exclude(merged_on__lte=period.start)
        .order_by("code")
    )
    versions: dict[int, list[FiledReport]] = {child.pk: [] for child in children}
    for filed in FiledReport.objects.filter(
        agency__in=children, period_start=period.start, period_end=period.end
    ).order_by("-version"):
        versions[filed.agency_id].append(filed)
    rows = []
    for child in children:
        found = versions[child.pk]
        rows.append(
            ChildStatus(
                agency=child,
                filed=next((f for f in found if f.status == Status.SUBMITTED), None),
                draft=next((f for f in found if f.status == Status.DRAFT), None),
            )
        )
    return FilingStatus(
        parent=parent_agency,
        kind=kind,
        period=period,
        children=rows,
        rollup=statistics_report(agency=parent_agency, period=period),
    )


def agencies_reporting() -> list[Agency]:
    """The agencies the job drafts for: those with a leader or with dossiers."""
    leaders = StaffRole.objects.filter(agency=OuterRef("pk"), role=Role.LEADER)
    dossiers = Dossier.objects.filter(agency=OuterRef("pk"))
    return list(Agency.objects.filter(Q(Exists(leaders)) | Q(Exists(dossiers))).order_by("code"))


# ---------------------------------------------------------------- writes


def _leader_check(actor: User | None, agency: Agency) -> None:
    if not user_has_role(actor, Role.LEADER, agency.pk):
        raise PermissionDenied(
            _("Chỉ lãnh đạo của %(agency)s được lập, nộp và đính chính báo cáo của cơ quan.")
            % {"agency": agency.name}
        )


def report_draft(
    *, agency: Agency, kind: str, period: Period, actor: User | None = None
) -> FiledReport:
    """The period's draft, made or with its figures refreshed; a period already filed is left
    as it is (its latest version returned). `actor` None is the scheduled job; a person must
    lead the agency."""
    if actor is not None:
        _leader_check(actor, agency)
    if kind_period(kind, period.start) != period:
        raise ValidationFailed(_("Kỳ báo cáo không khớp với loại kỳ."), fields={"kind": "mismatch"})
    _ended_check(period, today=timezone.localdate())
    versions = FiledReport.objects.filter(
        agency=agency, period_start=period.start, period_end=period.end
    ).order_by("-version")
    latest = versions.first()
    if latest is not None and latest.status == Status.SUBMITTED:
        return latest
    # Counted before the transaction: on SQLite a transaction holds the write lock.
    figures = statistics_report(agency=agency, period=period).as_json()
    with transaction.atomic():
        latest = versions.select_for_update().first()
        if latest is not None and latest.status == Status.SUBMITTED:
            return latest
        now = timezone.now()
        if latest is None:
            latest = FiledReport.objects.create(
                agency=agency,
                kind=kind,
                period_start=period.start,
                period_end=period.end,
                version=1,
                figures=figures,
                drafted_at=now,
            )
            action = "report.draft"
        else:
            latest.figures, latest.drafted_at = figures, now
            latest.save(update_fields=["figures", "drafted_at"])
            action = "report.refresh"
        audit_record(
            actor=actor,
            action=action,
            object_type="filed_report",
            object_id=latest.pk,
            data=_audit_data(latest),
        )
    return latest


def _audit_data(filed: FiledReport) -> dict[str, Any]:
    return {
        "agency": filed.agency.code,
        "from": filed.period_start.isoformat(),
        "to": filed.period_end.isoformat(),
        "version": filed.version,
    }


def _locked(filed: FiledReport) -> FiledReport:
    return FiledReport.objects.select_for_update().select_related("agency").get(pk=filed.pk)


def _submitted_check(filed: FiledReport) -> None:
    if filed.status != Status.DRAFT:
        raise Conflict(
            _("Báo cáo lần %(version)d của kỳ này đã được nộp; không thể nộp lại.")
            % {"version": filed.version},
            code="already_submitted",
        )


def report_submit(*, actor: User, filed: FiledReport) -> FiledReport:
    """Submit a draft: figures computed again and frozen, the PDF rendered and signed with the
    agency's key (as `actor`), its SHA-256 kept. Only a leader of the report's agency.

    The table and the signature are made before the transaction (a signature takes a while,
    and on SQLite a transaction holds the whole database's write lock); the transaction then
    locks the row and checks again that it is still the draft, so of two submissions at once
    one is refused."""
    _leader_check(actor, filed.agency)
    _submitted_check(FiledReport.objects.get(pk=filed.pk))
    period = filed_period(filed)
    _ended_check(period, today=timezone.localdate())
    report = statistics_report(agency=filed.agency, period=period)
    url = public_url(reverse("index:filing_pdf", args=[filed.pk]))
    signed = signer_get().sign(
        statistics_report_pdf(report), agency=filed.agency, signer_user=actor, verify_url=url
    )
    with transaction.atomic():
        filed = _locked(filed)
        _submitted_check(filed)
        filed.figures = report.as_json()
        filed.status = Status.SUBMITTED
        filed.submitted_by = actor
        filed.submitted_at = timezone.now()
        filed.signed_sha256 = hashlib.sha256(signed).hexdigest()
        filed.signed_pdf.save("bao-cao.pdf", ContentFile(signed), save=False)
        filed.save(
            update_fields=[
                "figures",
                "status",
                "submitted_by",
                "submitted_at",
                "signed_sha256",
                "signed_pdf",
            ]
        )
        audit_record(
            actor=actor,
            action="report.submit",
            object_type="filed_report",
            object_id=filed.pk,
            data={**_audit_data(filed), "sha256": filed.signed_sha256},
        )
    return filed


def report_correct(*, actor: User, filed: FiledReport, reason: str) -> FiledReport:
    """A new draft version of a filed report, with the reason; the filed one stays as it is."""
    _leader_check(actor, filed.agency)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Phải nêu lý do đính chính báo cáo."), fields={"reason": "required"}
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("Lý do đính chính quá dài (tối đa %(limit)d ký tự).") % {"limit": MAX_REASON},
            fields={"reason": "too_long"},
        )
    with transaction.atomic():
        filed = _locked(filed)
        if filed.status != Status.SUBMITTED:
            raise Conflict(
                _("Chỉ đính chính được báo cáo đã nộp; bản này còn là dự thảo."),
                code="not_submitted",
            )
        period = filed_period(filed)
        newest = filed_report_versions(filed.agency, period)[0]
        if newest.pk != filed.pk:
            raise Conflict(
                _("Đã có lần %(version)d của kỳ này: đính chính từ lần mới nhất.")
                % {"version": newest.version},
                code="not_latest",
            )
        correction = FiledReport.objects.create(
            agency=filed.agency,
            kind=filed.kind,
            period_start=filed.period_start,
            period_end=filed.period_end,
            version=filed.version + 1,
            figures=statistics_report(agency=filed.agency, period=period).as_json(),
            drafted_at=timezone.now(),
            correction_reason=reason,
        )
        audit_record(
            actor=actor,
            action="report.correct",
            object_type="filed_report",
            object_id=correction.pk,
            data={**_audit_data(correction), "reason": reason, "corrects": filed.pk},
        )
    return correction


def reports_draft_due(day: date) -> dict[str, int]:
    """The job: on the first working day of a month, every reporting agency's drafts for the
    periods that ended with the last month. Counts what it did."""
    counts = {"created": 0, "refreshed": 0, "filed": 0}
    for kind, period in periods_due(day):
        for agency in agencies_reporting():
            if agency.merged_on is not None and agency.merged_on <= period.start:
                continue  # merged before the period: its successor reports its figures
            before = filed_report_versions(agency, period)
            report_draft(agency=agency, kind=kind, period=period)
            if not before:
                counts["created"] += 1
            elif before[0].status == Status.DRAFT:
                counts["refreshed"] += 1
            else:
                counts["filed"] += 1
    return counts
