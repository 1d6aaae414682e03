"""Why an indicator lost points: the dossiers, procedures or publications outside its
numerator, each with what it lacks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, overload

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from motcua.catalog.models import Procedure, Publication, RequiredDocument
from motcua.core.calendar import working_calendar
from motcua.counters.models import DailyCounter
from motcua.directory.selectors import AgencyScope
from motcua.dossiers.metrics import ON_TIME, ONLINE_LEVELS, SATISFIED
from motcua.dossiers.models import Channel, Dossier
from motcua.index.drilldown.timing import Calendars, working_text
from motcua.index.engine import (
    PUBLICATION_DEADLINE_WORKING_DAYS,
    Period,
    evaluate,
    procedures_of,
    scope_q,
    scoped_catalog_for,
    scoped_metrics_for,
)


@dataclass(frozen=True)
class DossierMetric:
    """A dossier counter (`dossiers.metrics`) as a filter: the moment that dates it and the
    condition a dossier meets to be counted."""

    moment: str
    condition: Q


DOSSIER_METRICS: dict[str, DossierMetric] = {
    "received": DossierMetric("received_at", Q()),
    "received_online": DossierMetric("received_at", Q(channel=Channel.ONLINE)),
    "received_online_offer": DossierMetric("received_at", Q(procedure__online__in=ONLINE_LEVELS)),
    "received_online_offer_online": DossierMetric(
        "received_at", Q(procedure__online__in=ONLINE_LEVELS, channel=Channel.ONLINE)
    ),
    "synced": DossierMetric("received_at", Q(synced=True)),
    "digitized": DossierMetric("received_at", Q(digitized=True)),
    "reused": DossierMetric("received_at", Q(reused_data=True)),
    "registry_used": DossierMetric("received_at", Q(registry_used=True)),
    "with_fee": DossierMetric("received_at", Q(fee_amount__gt=0)),
    "with_fee_paid_online": DossierMetric("received_at", Q(fee_amount__gt=0, paid_online=True)),
    "finished": DossierMetric("finished_at", Q()),
    "finished_on_time": DossierMetric("finished_at", ON_TIME),
    "e_result": DossierMetric("finished_at", Q(e_result=True)),
    "e_result_to_store": DossierMetric("finished_at", Q(e_result=True, result_to_store=True)),
    "rated": DossierMetric("rated_at", ~Q(rating="")),
    "rated_satisfied": DossierMetric("rated_at", Q(rating__in=SATISFIED)),
}
CATALOG_NUMERATORS = {"procedures_complete", "procedures_online", "procedures_registry"}
PUBLICATION_KINDS = {
    "publications_new": Publication.Kind.NEW,
    "publications_amended": Publication.Kind.AMENDED,
}
CATALOG_METRICS = {
    "procedures",
    *CATALOG_NUMERATORS,
    *PUBLICATION_KINDS,
    *(f"{kind}_on_time" for kind in PUBLICATION_KINDS),
}
# What a dossier outside the numerator lacks, said once for the whole list.
MISSING_TEXT = {
    "received_online": N_("Không nộp trực tuyến"),
    "received_online_offer_online": N_(
        "Thủ tục có dịch vụ trực tuyến nhưng hồ sơ không nộp trực tuyến"
    ),
    "synced": N_("Chưa đồng bộ lên Cổng Dịch vụ công quốc gia"),
    "digitized": N_("Chưa số hóa hồ sơ"),
    "reused": N_("Không tái sử dụng dữ liệu đã số hóa"),
    "registry_used": N_("Không khai thác dữ liệu từ CSDL quốc gia về dân cư"),
    "with_fee_paid_online": N_("Phí, lệ phí không thanh toán trực tuyến"),
    "e_result": N_("Không có kết quả điện tử"),
    "e_result_to_store": N_("Kết quả điện tử chưa đưa vào kho dữ liệu của người nộp"),
    "rated_satisfied": N_("Người nộp đánh giá không hài lòng"),
}


def _metric_q(metric: DossierMetric, period: Period) -> Q:
    return (
        Q(
            **{
                f"{metric.moment}__gte": period.start_moment,
                f"{metric.moment}__lt": period.end_moment,
            }
        )
        & metric.condition
    )


@dataclass
class IndicatorView:
    key: str
    name: str
    group_name: str
    result: dict[str, Any]  # numerator, denominator, score, max, applicable (engine.evaluate)
    kind: str  # "dossiers" | "procedures" | "publications" | "unsupported"
    numerator_metric: str
    denominator_metric: str
    moment: str = ""  # the dossier field that dates the list
    missing_text: str = ""

    @property
    def lost_points(self) -> float:
        return float(self.result["max"]) - float(self.result["score"])

    @property
    def moment_label(self) -> str:
        return {
            "received_at": _("Tiếp nhận"),
            "finished_at": _("Có kết quả"),
            "rated_at": _("Đánh giá lúc"),
        }.get(self.moment, "")

    @property
    def is_on_time(self) -> bool:
        return self.numerator_metric == "finished_on_time"


def indicator_find(spec: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for group in spec["groups"]:
        for item in group["indicators"]:
            if item["key"] == key:
                return group, item
    return None


def indicator_view(
    *, spec: dict[str, Any], key: str, scope: AgencyScope, period: Period
) -> IndicatorView | None:
    """The indicator as the definition in force names it, with its score under the scope
    (the reading rule of merged agencies, as the index computes it)."""
    found = indicator_find(spec, key)
    if found is None:
        return None
    group, item = found
    numerator, denominator = item["numerator"], item["denominator"]
    metrics: dict[str, int] = scoped_metrics_for(scope, [period])[0]
    if {numerator, denominator} & CATALOG_METRICS:
        metrics = {**metrics, **scoped_catalog_for(scope, [period])[0]}
    scored = evaluate(
        {"bands": spec["bands"], "groups": [{**group, "indicators": [item]}]}, metrics
    )
    if numerator in DOSSIER_METRICS and denominator in DOSSIER_METRICS:
        kind = "dossiers"
    elif denominator == "procedures" and numerator in CATALOG_NUMERATORS:
        kind = "procedures"
    elif denominator in PUBLICATION_KINDS and numerator == f"{denominator}_on_time":
        kind = "publications"
    else:
        kind = "unsupported"
    return IndicatorView(
        key=key,
        name=item.get("name", key),
        group_name=group.get("name", group["key"]),
        result=scored["groups"][0]["indicators"][0],
        kind=kind,
        numerator_metric=numerator,
        denominator_metric=denominator,
        moment=DOSSIER_METRICS[denominator].moment if kind == "dossiers" else "",
        missing_text=_(MISSING_TEXT[numerator]) if numerator in MISSING_TEXT else "",
    )


def lost_dossiers(view: IndicatorView, scope: AgencyScope, period: Period) -> QuerySet[Dossier]:
    """Dossiers in the denominator and not in the numerator, newest first: those whose
    contributions the index counts under the scope, each by the day of its own moment (a
    merged agency's dossiers before its merger day under itself, from that day under its
    successor: `scope_q`, one query whatever the number of agencies)."""
    den = DOSSIER_METRICS[view.denominator_metric]
    num = DOSSIER_METRICS[view.numerator_metric]
    return (
        Dossier.objects.filter(scope_q(scope.segments(period.start, period.end), den.moment))
        .filter(_metric_q(den, period))
        .exclude(_metric_q(num, period))
        .select_related("procedure", "agency")
        # The moment is never null here (it lies in the period): a plain descending order,
        # which the (agency, moment) indexes give backwards.
        .order_by(F(den.moment).desc(), "-id")
    )


def _lost_by_day(view: IndicatorView, scope: AgencyScope, period: Period) -> dict[date, int] | None:
    """How many dossiers `lost_dossiers` lists per day of their moment, from the daily
    counters (denominator minus numerator, each segment's agencies on its days: the rule
    `scoped_metrics_for` reads) — or None when the numerator is not the part of the
    denominator dated by the same moment, so the difference would not count the list."""
    den = DOSSIER_METRICS[view.denominator_metric]
    num = DOSSIER_METRICS[view.numerator_metric]
    if den.moment != num.moment or den.condition != Q():
        return None
    days: dict[date, int] = defaultdict(int)
    for segment in scope.segments(period.start, period.end):
        rows = (
            DailyCounter.objects.filter(
                agency_id__in=segment.agency_ids,
                day__gte=segment.first,
                day__lte=segment.last,
                metric__in=(view.denominator_metric, view.numerator_metric),
            )
            .values_list("day", "metric")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for day, metric, total in rows:
            days[day] += total if metric == view.denominator_metric else -total
    return days


class LostDossierList:
    """`lost_dossiers` as the paginator reads it, without counting or sorting the whole
    period: the count is the counters' (`_lost_by_day`), and a page reads only the days
    from the period's end back to the day its last row falls on (the counters say which),
    through the (agency, moment) indexes. Should the counters ever fall short of the
    dossiers, a page that comes out short is read again over the whole period; without
    counters for the indicator, this is the queryset itself."""

    def __init__(self, view: IndicatorView, scope: AgencyScope, period: Period) -> None:
        self.queryset = lost_dossiers(view, scope, period)
        self.moment = DOSSIER_METRICS[view.denominator_metric].moment
        self.period = period
        self.days = _lost_by_day(view, scope, period)

    def count(self) -> int:
        if self.days is None:
            return self.queryset.count()
        return max(0, sum(self.days.values()))

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Dossier]:
        return iter(self.queryset)

    @overload
    def __getitem__(self, key: int) -> Dossier: ...
    @overload
    def __getitem__(self, key: slice) -> list[Dossier]: ...
    def __getitem__(self, key: int | slice) -> Dossier | list[Dossier]:
        if not isinstance(key, slice):
            return self.queryset[key]
        if self.days is None or key.stop is None:
            return list(self.queryset[key])
        start = key.start or 0
        first, needed = self.period.start, key.stop
        for day in sorted(self.days, reverse=True):
            needed -= self.days[day]
            if needed <= 0:
                first = day
                break
        if first <= self.period.start:
            return list(self.queryset[key])
        moment = Period(first, self.period.end).start_moment
        rows = list(self.queryset.filter(**{f"{self.moment}__gte": moment})[key])
        if len(rows) < key.stop - start:  # the counters fell short of the dossiers
            rows = list(self.queryset[key])
        return rows


@dataclass
class LostDossier:
    dossier: Dossier
    moment: datetime | None
    reason: str


def lost_dossier_rows(
    view: IndicatorView, dossiers: Iterable[Dossier], calendars: Calendars
) -> list[LostDossier]:
    """Each dossier with why it is outside the numerator (for `on_time`, how late it was)."""
    rows = []
    for dossier in dossiers:
        moment = getattr(dossier, view.moment)
        if view.is_on_time:
            reasons = []
            if dossier.due_at and dossier.finished_at and dossier.finished_at > dossier.due_at:
                late = calendars.clock_for_hours(dossier.agency.office_hours).between(
                    dossier.due_at, dossier.finished_at
                )
                reasons.append(_("Trễ hạn %(time)s làm việc") % {"time": working_text(late)})
            if dossier.supplement_count > 1:
                reasons.append(
                    _("Yêu cầu bổ sung %(n)d lần sau tiếp nhận (chỉ được 1 lần)")
                    % {"n": dossier.supplement_count}
                )
            rows.append(LostDossier(dossier, moment, "; ".join(reasons)))
        elif view.numerator_metric == "rated_satisfied":
            rows.append(LostDossier(dossier, moment, str(dossier.get_rating_display())))
        else:
            rows.append(LostDossier(dossier, moment, view.missing_text))
    return rows


@dataclass
class LostProcedure:
    procedure: Procedure
    missing: list[str]


def lost_procedures(view: IndicatorView, agency_ids: set[int]) -> QuerySet[Procedure]:
    procedures = procedures_of(agency_ids).annotate(
        has_documents=Exists(RequiredDocument.objects.filter(procedure_id=OuterRef("pk")))
    )
    if view.numerator_metric == "procedures_complete":
        procedures = procedures.filter(
            Q(time_limit__isnull=True)
            | Q(time_limit="")
            | Q(legal_basis="")
            | Q(has_documents=False)
        )
    elif view.numerator_metric == "procedures_online":
        procedures = procedures.exclude(online__in=ONLINE_LEVELS)
    else:
        procedures = procedures.filter(registry_connected=False)
    return procedures.order_by("code")


def lost_procedure_rows(
    view: IndicatorView, procedures: Iterable[Procedure]
) -> list[LostProcedure]:
    rows = []
    for procedure in procedures:
        missing: list[str] = []
        if view.numerator_metric == "procedures_complete":
            if not procedure.time_limit:
                missing.append(_("thời hạn giải quyết"))
            if not procedure.has_documents:  # type: ignore[attr-defined]
                missing.append(_("thành phần hồ sơ"))
            if not procedure.legal_basis:
                missing.append(_("căn cứ pháp lý"))
        elif view.numerator_metric == "procedures_online":
            missing.append(str(procedure.get_online_display()))
        else:
            missing.append(_("Chưa kết nối CSDL quốc gia về dân cư"))
        rows.append(LostProcedure(procedure, missing))
    return rows


@dataclass
class LatePublication:
    publication: Publication
    deadline: date


def late_publications(
    view: IndicatorView, agency_ids: set[int], period: Period
) -> list[LatePublication]:
    """Publications decided in the period and not public by the 5th working day after."""
    calendar = working_calendar()
    publications = (
        Publication.objects.filter(
            procedure__in=procedures_of(agency_ids),
            kind=PUBLICATION_KINDS[view.denominator_metric],
            decided_on__gte=period.start,
            decided_on__lte=period.end,
        )
        .select_related("procedure")
        .order_by("-decided_on", "id")
    )
    rows = []
    for publication in publications:
        deadline = calendar.add_working_days(
            publication.decided_on, PUBLICATION_DEADLINE_WORKING_DAYS
        )
        if publication.public_on is None or publication.public_on > deadline:
            rows.append(LatePublication(publication, deadline))
    return rows
