"""The service index (§7) and operating KPIs (§8) for an agency and everything below it.

Dossier metrics are sums of counters over the agency subtree and the period — the monthly
roll-up for whole months, the daily rows for the edges; the catalog and publication metrics
are counted from the catalog and kept until the catalog's stamp changes (`CatalogStamp`). The
definition in force is data (`IndexDefinition`); `evaluate` turns metric values into scores.
"""

from __future__ import annotations

import calendar
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure, Publication, RequiredDocument
from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.worktime import TZ
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.directory.models import Agency
from motcua.directory.selectors import AgencyScope, Segment, agency_scope
from motcua.dossiers.models import Channel, Dossier
from motcua.index.definition import DEFAULT_SPEC
from motcua.index.models import CatalogStamp, IndexDefinition, OnlineProcedureMonth

BAND_LABELS = {
    "xuat_sac": "Xuất sắc",
    "tot": "Tốt",
    "kha": "Khá",
    "trung_binh": "Trung bình",
    "yeu": "Yếu",
}
PUBLICATION_DEADLINE_WORKING_DAYS = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed(
                "Ngày kết thúc kỳ không được trước ngày bắt đầu.", fields={"to": "before_from"}
            )

    @property
    def start_moment(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=TZ)

    @property
    def end_moment(self) -> datetime:
        """00:00 after the last day (exclusive), Asia/Ho_Chi_Minh (§7)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=TZ)


def period_from(start: str | date | None, end: str | date | None, *, today: date) -> Period:
    """Parse `--from/--to`; the default is the year so far."""

    def parse(value: str | date | None, name: str, default: date) -> date:
        if value is None or value == "":
            return default
        if isinstance(value, date):
            return value
        if len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationFailed(
            f"Ngày '{value}' không hợp lệ: dùng dạng YYYY-MM-DD.", fields={name: "invalid"}
        )

    return Period(parse(start, "from", date(today.year, 1, 1)), parse(end, "to", today))


# The periods anyone may ask for, on the dashboard and through the API alike: before 2000
# there is no dossier to count, and a year like 0001 or 9999 only makes the database work.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def _dmy(day: date) -> str:
    # strftime writes the year 0001 as "1".
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def period_in_range(period: Period) -> Period:
    """`period` itself, or a refusal naming the day (`from` or `to`) outside EARLIEST–LATEST."""
    for name, day in (("from", period.start), ("to", period.end)):
        if not EARLIEST <= day <= LATEST:
            raise ValidationFailed(
                _("Ngày %(day)s nằm ngoài khoảng cho phép (%(first)s – %(last)s).")
                % {"day": _dmy(day), "first": _dmy(EARLIEST), "last": _dmy(LATEST)},
                fields={name: "out_of_range"},
            )
    return period


def agency_by_code(code: str) -> Agency:
    # A NUL cannot even be sent to PostgreSQL (a 500), and no code holds one.
    agency = Agency.objects.filter(code=code).first() if code and "\x00" not in code else None
    if agency is None:
        raise ValidationFailed(f"Không có cơ quan mã '{code}'.", fields={"agency": "unknown"})
    return agency


def definition_for(period: Period) -> dict[str, Any]:
    found = (
        IndexDefinition.objects.filter(valid_from__lte=period.start)
        .order_by("-valid_from")
        .values_list("spec", flat=True)
        .first()
    )
    return found or DEFAULT_SPEC


def definitions_for(periods: Sequence[Period]) -> list[dict[str, Any]]:
    """`definition_for` each period, from one read of the (few) definitions."""
    versions = list(
        IndexDefinition.objects.filter(valid_from__lte=max(p.start for p in periods))
        .order_by("-valid_from")
        .values_list("valid_from", "spec")
    )
    return [
        next((spec for valid_from, spec in versions if valid_from <= p.start), DEFAULT_SPEC)
        for p in periods
    ]


# ---------------------------------------------------------------- dossier metrics


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _next_month(month: date) -> date:
    return _month_end(month) + timedelta(days=1)


def month_split(period: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """The calendar months `period` covers whole (their first days), and the days at either
    edge outside them (inclusive ranges): the months are read from the monthly roll-up,
    the edges from the daily counters."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    months = []
    month = first
    while _month_end(month) <= period.end:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [(period.start, period.end)]
    edges = []
    if period.start < months[0]:
        edges.append((period.start, months[0] - timedelta(days=1)))
    if _month_end(months[-1]) < period.end:
        edges.append((_next_month(months[-1]), period.end))
    return months, edges


def dossier_metrics_for(agency_ids: set[int], periods: Sequence[Period]) -> list[dict[str, int]]:
    """The counters summed over the agencies and each period: whole months from the monthly
    roll-up, the partial months at the edges from the daily rows; one query of each for all
    the periods together (the dashboard's 12-month trend is one pass)."""
    splits = [month_split(period) for period in periods]
    months = {month for wanted, _edges in splits for month in wanted}
    edges = [edge for _wanted, found in splits for edge in found]
    by_month: dict[date, Counter[str]] = defaultdict(Counter)
    if months:
        rows = (
            MonthlyCounter.objects.filter(
                agency_id__in=agency_ids, month__gte=min(months), month__lte=max(months)
            )
            .values_list("month", "metric")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for month, metric, total in rows:
            by_month[month][metric] += total
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    if edges:
        days = Q()
        for first, last in edges:
            days |= Q(day__gte=first, day__lte=last)
        day_rows = (
            DailyCounter.objects.filter(days, agency_id__in=agency_ids)
            .values_list("day", "metric")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for day, metric, total in day_rows:
            by_day[day][metric] += total
    results = []
    for wanted, found in splits:
        totals: Counter[str] = Counter()
        for month in wanted:
            totals.update(by_month.get(month, {}))
        for first, last in found:
            for day, values in by_day.items():
                if first <= day <= last:
                    totals.update(values)
        results.append(dict(totals))
    return results


def dossier_metrics(agency_ids: set[int], period: Period) -> dict[str, int]:
    return dossier_metrics_for(agency_ids, [period])[0]


# ---------------------------------------------------------------- merged agencies


def segment_period(segment: Segment) -> Period:
    return Period(segment.first, segment.last)


def scoped_metrics_for(scope: AgencyScope, periods: Sequence[Period]) -> list[dict[str, int]]:
    """`dossier_metrics_for` under the reading rule of merged agencies (`AgencyScope`): each
    period cut at the merger days inside it, each piece summed over the agencies whose
    figures count then. The pieces with the same agencies are read together, so without a
    merger this is `dossier_metrics_for` over the subtree, and with one a merger day costs
    one more pass — whatever the number of agencies."""
    pieces: dict[frozenset[int], list[tuple[int, Period]]] = defaultdict(list)
    for i, period in enumerate(periods):
        for segment in scope.segments(period.start, period.end):
            pieces[segment.agency_ids].append((i, segment_period(segment)))
    totals: list[Counter[str]] = [Counter() for _period in periods]
    for ids, found in pieces.items():
        counted = dossier_metrics_for(set(ids), [piece for _i, piece in found])
        for (i, _piece), values in zip(found, counted, strict=True):
            totals[i].update(values)
    return [dict(found) for found in totals]


def scoped_catalog_for(scope: AgencyScope, periods: Sequence[Period]) -> list[dict[str, int]]:
    """`catalog_metrics_for` over the agencies counting under the scope on each period's last
    day (the procedures are the organisation's at the period's end)."""
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for i, period in enumerate(periods):
        groups[scope.ids_on(period.end)].append(i)
    found: list[dict[str, int]] = [{} for _period in periods]
    for ids, indexes in groups.items():
        counted = catalog_metrics_for(set(ids), [periods[i] for i in indexes])
        for i, values in zip(indexes, counted, strict=True):
            found[i] = values
    return found


def scope_q(segments: Sequence[Segment], moment: str, *, agency: str = "agency_id") -> Q:
    """Rows of the agencies counting under a scope by the day of their `moment` field: the
    row's agency among the agencies of the segment its moment falls in."""
    if len(segments) == 1:
        return Q(**{f"{agency}__in": segments[0].agency_ids})
    found = Q(pk__in=[])
    for segment in segments:
        piece = segment_period(segment)
        found |= Q(
            **{
                f"{agency}__in": segment.agency_ids,
                f"{moment}__gte": piece.start_moment,
                f"{moment}__lt": piece.end_moment,
            }
        )
    return found


# ---------------------------------------------------------------- catalog metrics


def procedures_of(agency_ids: set[int]):
    """§7: procedures whose agencies include the agency or any agency below it."""
    return Procedure.objects.filter(
        Exists(
            Procedure.agencies.through.objects.filter(
                procedure_id=OuterRef("pk"), agency_id__in=agency_ids
            )
        )
    )


# Catalog metrics by (stamp token, agencies, period or None for the procedure counts). The
# token changes with every write to what they read (`CatalogStamp`), so an entry is never
# stale, only unreachable; the oldest go when the cache is full.
_CATALOG_CACHE: OrderedDict[tuple, dict[str, int]] = OrderedDict()
_CATALOG_CACHE_SIZE = 4096
_CATALOG_LOCK = threading.Lock()


def _cached(key: tuple) -> dict[str, int] | None:
    with _CATALOG_LOCK:
        found = _CATALOG_CACHE.get(key)
        if found is not None:
            _CATALOG_CACHE.move_to_end(key)
        return found


def _remember(key: tuple, value: dict[str, int]) -> None:
    with _CATALOG_LOCK:
        _CATALOG_CACHE[key] = value
        _CATALOG_CACHE.move_to_end(key)
        while len(_CATALOG_CACHE) > _CATALOG_CACHE_SIZE:
            _CATALOG_CACHE.popitem(last=False)


def catalog_token() -> str | None:
    """The catalog's stamp now; None when the row is missing (a flushed test database):
    nothing is cached then. Read before the metrics, so numbers cached under a token are
    never older than the token.

    On PostgreSQL the row changes once per transaction and the later writes of that
    transaction are counted in a transaction-local setting (migration 0008), which is part
    of the token: a write inside the reading transaction still gives a new token."""
    stamp = CatalogStamp.objects.filter(pk=1)
    if connections[stamp.db].vendor == "postgresql":
        writes = RawSQL("current_setting('motcua.catalog_writes', true)", ())
        found = stamp.annotate(writes=writes).values_list("token", "writes").first()
        return None if found is None else f"{found[0]}:{found[1] or ''}"
    return stamp.values_list("token", flat=True).first()


def _procedure_counts(procedures) -> dict[str, int]:
    has_documents = Exists(RequiredDocument.objects.filter(procedure_id=OuterRef("pk")))
    return procedures.aggregate(
        procedures=Count("id"),
        procedures_online=Count("id", filter=Q(online__in=("full", "partial"))),
        procedures_registry=Count("id", filter=Q(registry_connected=True)),
        procedures_complete=Count(
            "id", filter=Q(time_limit__isnull=False) & ~Q(legal_basis="") & Q(has_documents)
        ),
    )


def _publication_counts(procedures, periods: Sequence[Period]) -> list[dict[str, int]]:
    """§7's publications decided in each period, and those made public within 5 working
    days: one read over the span of the periods."""
    kinds = (Publication.Kind.NEW, Publication.Kind.AMENDED)
    counts = [
        {f"publications_{kind}{tail}": 0 for kind in kinds for tail in ("", "_on_time")}
        for _period in periods
    ]
    publications = Publication.objects.filter(
        procedure__in=procedures,
        kind__in=kinds,
        decided_on__gte=min(p.start for p in periods),
        decided_on__lte=max(p.end for p in periods),
    ).values_list("kind", "decided_on", "public_on")
    working = None
    for kind, decided, public in publications:
        if working is None:
            working = working_calendar()
        deadline = working.add_working_days(decided, PUBLICATION_DEADLINE_WORKING_DAYS)
        on_time = public is not None and public <= deadline
        for period, found in zip(periods, counts, strict=True):
            if period.start <= decided <= period.end:
                found[f"publications_{kind}"] += 1
                found[f"publications_{kind}_on_time"] += on_time
    return counts


def catalog_metrics_for(agency_ids: set[int], periods: Sequence[Period]) -> list[dict[str, int]]:
    """`catalog_metrics` for each period: cached under the catalog's stamp; what is missing
    is computed in one pass (the procedure counts once, the publications in one read)."""
    token = catalog_token()
    agencies = tuple(sorted(agency_ids))
    procedures = procedures_of(agency_ids)
    counts_key = (token, agencies, None)
    counts = _cached(counts_key) if token else None
    if counts is None:
        counts = _procedure_counts(procedures)
        if token:
            _remember(counts_key, counts)
    keys = [(token, agencies, period.start, period.end) for period in periods]
    found = [_cached(key) if token else None for key in keys]
    missing = [i for i, value in enumerate(found) if value is None]
    if missing:
        computed = _publication_counts(procedures, [periods[i] for i in missing])
        for i, value in zip(missing, computed, strict=True):
            found[i] = value
            if token:
                _remember(keys[i], value)
    return [{**counts, **(value or {})} for value in found]


def catalog_metrics(agency_ids: set[int], period: Period) -> dict[str, int]:
    return catalog_metrics_for(agency_ids, [period])[0]


def evaluate(spec: dict[str, Any], metrics: dict[str, int]) -> dict[str, Any]:
    """Scores per §7: points = max × min(1, r / full_at); a zero denominator scores full max
    and is marked not applicable."""
    groups = []
    total = 0.0
    for group in spec["groups"]:
        indicators = []
        group_score = 0.0
        for item in group["indicators"]:
            numerator = int(metrics.get(item["numerator"], 0) or 0)
            denominator = int(metrics.get(item["denominator"], 0) or 0)
            applicable = denominator > 0
            if applicable:
                ratio = numerator / denominator
                score = item["max"] * min(1.0, ratio / item.get("full_at", 1))
            else:
                score = float(item["max"])
            indicators.append(
                {
                    "key": item["key"],
                    "numerator": numerator,
                    "denominator": denominator,
                    "score": score,
                    "max": item["max"],
                    "applicable": applicable,
                }
            )
            group_score += score
        groups.append(
            {
                "key": group["key"],
                "score": group_score,
                "max": group["max"],
                "indicators": indicators,
            }
        )
        total += group_score
    return {"total": total, "band": band_of(total, spec["bands"]), "groups": groups}


def band_of(total: float, bands: list[list]) -> str:
    for key, threshold in bands:
        if total >= threshold:
            return key
    return bands[-1][0]


def has_dossiers(metrics: dict[str, int]) -> bool:
    """§7, ranking and trends: an agency with no dossier received and none finished in the
    period is listed apart and not ranked, and such a month is a gap in a trend — its total
    (full marks by the zero-denominator rule) says nothing about how it served anyone."""
    return bool(metrics.get("received", 0) or metrics.get("finished", 0))


def index_series(*, agency: Agency, periods: Sequence[Period]) -> list[tuple[dict, bool]]:
    """`index_evaluate` for each period, in one pass: one read of the counters of each kind,
    of the catalog's stamp and of the definitions for all the periods."""
    scope = agency_scope([agency])
    dossiers = scoped_metrics_for(scope, periods)
    catalogs = scoped_catalog_for(scope, periods)
    specs = definitions_for(periods)
    results = []
    for period, counted, catalog, spec in zip(periods, dossiers, catalogs, specs, strict=True):
        result = {
            "agency": agency.code,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            **evaluate(spec, {**counted, **catalog}),
        }
        results.append((result, has_dossiers(counted)))
    return results


def index_evaluate(*, agency: Agency, period: Period) -> tuple[dict[str, Any], bool]:
    """`index_compute`'s object and whether the period had any dossier (`has_dossiers`)."""
    return index_series(agency=agency, periods=[period])[0]


def index_compute(*, agency: Agency, period: Period) -> dict[str, Any]:
    """`motcua index` (§7): one JSON-ready object, rolled up over the agency's subtree."""
    return index_evaluate(agency=agency, period=period)[0]


def online_procedures_with_dossiers(segments: Sequence[Segment]) -> set[int]:
    """§8: the procedures offered online (fully or partly) with a dossier received online in
    the segments' days, each segment's agencies by the dossier's reception day (`scope_q`).
    Whole months are read from `OnlineProcedureMonth`, the days at either edge from the
    dossiers through the (agency, received) index: the cost follows the agencies and months,
    not the dossiers of the period."""
    online = Procedure.objects.filter(online__in=("full", "partial")).values("pk")
    found: set[int] = set()
    for segment in segments:
        months, edges = month_split(segment_period(segment))
        if months:
            found.update(
                OnlineProcedureMonth.objects.filter(
                    agency_id__in=segment.agency_ids,
                    month__gte=months[0],
                    month__lte=months[-1],
                    dossiers__gt=0,
                    procedure_id__in=online,
                )
                .values_list("procedure_id", flat=True)
                .order_by()
                .distinct()
            )
        for first, last in edges:
            edge = Period(first, last)
            found.update(
                Dossier.objects.filter(
                    agency_id__in=segment.agency_ids,
                    channel=Channel.ONLINE,
                    received_at__gte=edge.start_moment,
                    received_at__lt=edge.end_moment,
                    procedure_id__in=online,
                )
                .values_list("procedure_id", flat=True)
                .order_by()
                .distinct()
            )
    return found


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def open_overdue_count(agency_ids: Collection[int], end: datetime) -> int:
    """§8's open overdue dossiers at `end`: received and due before it, and neither finished
    nor closed by then. Counted in three parts so that none reads the rows of the dossiers
    open now, tens of thousands at a province: those still open, from the partial index of
    open dossiers alone (`dossier_open_due`, an index-only scan on PostgreSQL); those
    finished since `end` (`dossier_agency_finished`); those closed without a result since
    (`dossier_closed_no_result`). The last two are empty when the period ends today, as the
    dashboard's does by default; for a past period they read the dossiers ended since, which
    no index narrows to the few received before `end`. Three queries, not one with OR: SQLite
    answers such an OR from the (agency, received) index, every dossier received before."""
    due = Dossier.objects.filter(agency_id__in=agency_ids, received_at__lt=end, due_at__lt=end)
    parts = (
        due.filter(finished_at__isnull=True, closed_at__isnull=True),
        due.filter(Q(finished_at__gte=end), Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
        due.filter(finished_at__isnull=True, closed_at__gte=end),
    )
    return sum(part.count() for part in parts)


def kpi_compute(*, agency: Agency, period: Period) -> dict[str, Any]:
    """`motcua kpi` (§8): operating figures, rates as fractions (None when undefined)."""
    scope = agency_scope([agency])
    segments = scope.segments(period.start, period.end)
    m = scoped_metrics_for(scope, [period])[0]
    catalog = scoped_catalog_for(scope, [period])[0]
    procedures_total, procedures_online = catalog["procedures"], catalog["procedures_online"]
    with_dossiers = len(online_procedures_with_dossiers(segments))
    open_overdue = open_overdue_count(segments[-1].agency_ids, period.end_moment)
    received, finished = m.get("received", 0), m.get("finished", 0)
    on_time = m.get("finished_on_time", 0)
    return {
        "agency": agency.code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "procedures_total": procedures_total,
        "procedures_online": procedures_online,
        "procedures_online_share": _rate(procedures_online, procedures_total),
        "procedures_with_dossiers": with_dossiers,
        "procedures_with_dossiers_share": _rate(with_dossiers, procedures_online),
        "dossiers_received": received,
        "dossiers_online": m.get("received_online", 0),
        "online_rate": _rate(m.get("received_online", 0), received),
        "dossiers_finished": finished,
        "on_time_rate": _rate(on_time, finished),
        "overdue_rate": _rate(finished - on_time, finished),
        "open_overdue": open_overdue,
        "digitized_rate": _rate(m.get("digitized", 0), received),
        "e_result_rate": _rate(m.get("e_result", 0), finished),
        "payments_online_count": m.get("payments_online", 0),
        "payments_online_amount": m.get("payments_online_amount", 0),
        # Petitions (kept by `feedback.metrics`): received and answered in the period, so
        # a period that clears an earlier backlog can resolve more than it received.
        "petitions_received": m.get("petitions_received", 0),
        "petitions_resolved": m.get("petitions_resolved", 0),
        "petitions_resolved_rate": _rate(
            m.get("petitions_resolved", 0), m.get("petitions_received", 0)
        ),
    }
