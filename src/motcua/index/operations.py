"""The operations dashboard (bộ chỉ số chỉ đạo, điều hành): one page per leader joining the
dossiers (§7, §8), the petitions, the reform tasks, the filing of the statistics report
(§8.1) and the opinion ballots, for an agency and every agency below it, against the targets
of shared/spec/seeds.md written as data (`TARGETS`).

Every figure is read with a fixed number of queries whatever the number of agencies:
- dossiers and petitions: the counters (`MonthlyCounter` for whole months, `DailyCounter`
  for the edge days, `engine.month_split`) grouped by agency once, then rolled up over each
  agency's subtree in Python; the 12-month trend is `engine.dossier_metrics_for` (one pass);
- dossiers open and past due now: one GROUP BY over the open states, on the dossier table's
  (agency, state, due_at) index — the counters hold flows, not a stock;
- reform tasks: `reform.selectors.ranking` (one GROUP BY per lead agency), rolled up the same
  way, and one GROUP BY on the deadline's month with `reform.selectors.status_filter` for the
  trend (`kpi_compute` per month would walk the agency tree and the calendar twelve times);
- filing: the `FiledReport` rows of the last whole month for the agency's direct children
  (`filing.filing_status` also computes the roll-up, a GROUP BY over the dossiers, so it is
  not called here);
- ballots: one aggregate over the open ballots, `ballots.selectors.sent_counts` per year.

Percentages are `reform.status.percent` (two decimals, half up) and a target is judged on
that figure, the one the leader reads: 90,00 % does not meet "> 90 %".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from motcua.ballots.models import Ballot
from motcua.ballots.selectors import sent_counts
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.directory.models import Agency
from motcua.directory.selectors import AgencyScope
from motcua.dossiers.models import OPEN_AFTER_RECEPTION, Dossier
from motcua.index.engine import Period, month_split, scoped_metrics_for, segment_period
from motcua.index.exports.rows import month_periods
from motcua.index.models import FiledReport
from motcua.reform.models import ReformTask
from motcua.reform.selectors import Kpi, ranking, status_filter
from motcua.reform.status import Status, percent

WORST = 5

# ---------------------------------------------------------------- targets, as data


@dataclass(frozen=True)
class Target:
    """A figure a measure must reach: `op` is ">" (strictly above) or "≥"."""

    op: str
    percent: Decimal
    source: str  # the line of shared/spec/seeds.md it comes from, quoted

    @property
    def text(self) -> str:
        return f"{self.op} {self.percent:.0f} %"

    def met(self, value: Decimal | None) -> bool | None:
        """None when there is nothing to judge (no denominator in the period)."""
        if value is None:
            return None
        return value > self.percent if self.op == ">" else value >= self.percent


TARGETS: dict[str, Target] = {
    "on_time": Target(
        ">",
        Decimal(90),
        "shared/spec/seeds.md, dòng 17: “on-time at provincial centres > 90 %”",
    ),
    "satisfied": Target(
        ">",
        Decimal(90),
        "shared/spec/seeds.md, dòng 17: “satisfaction target > 80 % (2023), > 90 % (2025)”",
    ),
    "online": Target(
        "≥",
        Decimal(50),
        "shared/spec/seeds.md, dòng 16: “Use of online public services … target 50 % by end-2023”",
    ),
}

# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    key: str
    group: str
    label: str
    kind: str  # rate | count
    worse: str  # low | high (which end the worst five come from); "" for a plain count
    numerator: str = ""  # counter metrics, for the measures read from the counters
    denominator: str = ""
    drilldown: str = ""  # the existing page that lists what is behind the figure
    trend: bool = True

    @property
    def target(self) -> Target | None:
        return TARGETS.get(self.key)


DOSSIERS, PETITIONS, REFORM = "Hồ sơ TTHC", "Phản ánh, kiến nghị", "Cải cách hành chính"

MEASURES: tuple[Measure, ...] = (
    Measure(
        "on_time",
        DOSSIERS,
        "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "rate",
        "low",
        "finished_on_time",
        "finished",
        drilldown="indicator:on_time",
    ),
    Measure(
        "online",
        DOSSIERS,
        "Tỷ lệ hồ sơ nộp trực tuyến",
        "rate",
        "low",
        "received_online",
        "received",
    ),
    Measure(
        "satisfied",
        DOSSIERS,
        "Tỷ lệ đánh giá hài lòng",
        "rate",
        "low",
        "rated_satisfied",
        "rated",
        drilldown="indicator:satisfied",
    ),
    Measure(
        "open_overdue",
        DOSSIERS,
        "Hồ sơ đang giải quyết đã quá hạn (hiện tại)",
        "count",
        "high",
        drilldown="warnings",
        trend=False,
    ),
    Measure(
        "petitions_received",
        PETITIONS,
        "Phản ánh, kiến nghị tiếp nhận",
        "count",
        "",
        "petitions_received",
    ),
    Measure(
        "petitions_on_time",
        PETITIONS,
        "Tỷ lệ phản ánh, kiến nghị trả lời đúng hạn",
        "rate",
        "low",
        "petitions_due_answered",
        "petitions_due",
        drilldown="indicator:petitions_on_time",
    ),
    Measure(
        "petitions_overdue",
        PETITIONS,
        "Phản ánh, kiến nghị đến hạn chưa trả lời đúng hạn",
        "count",
        "high",
    ),
    Measure(
        "reform_done",
        REFORM,
        "Tỷ lệ nhiệm vụ cải cách hoàn thành (đến hạn trong kỳ)",
        "rate",
        "low",
        drilldown="reform",
    ),
    Measure(
        "reform_overdue",
        REFORM,
        "Nhiệm vụ cải cách quá hạn chưa hoàn thành",
        "count",
        "high",
        drilldown="reform",
    ),
)
BY_KEY = {measure.key: measure for measure in MEASURES}
COUNTER_METRICS = (
    "finished",
    "finished_on_time",
    "received",
    "received_online",
    "rated",
    "rated_satisfied",
    "petitions_received",
    "petitions_due",
    "petitions_due_answered",
)


@dataclass(frozen=True)
class Value:
    """A measure's figure: a count, or a rate as numerator / denominator."""

    numerator: int
    denominator: int | None = None  # None: a count

    @property
    def percent(self) -> Decimal | None:
        if self.denominator is None:
            return None
        return percent(self.numerator, self.denominator)

    @property
    def judged(self) -> bool:
        """Whether there is anything to compare: a count always, a rate with a denominator."""
        return self.denominator is None or self.denominator > 0

    @property
    def sort_value(self) -> Decimal:
        found = self.percent if self.denominator is not None else Decimal(self.numerator)
        return found if found is not None else Decimal(0)


def values_from(metrics: dict[str, int], *, open_overdue: int, reform: Kpi | None) -> dict:
    """Each measure's `Value` from the summed counters, the open overdue dossiers and the
    reform tasks' figures."""

    def m(name: str) -> int:
        return int(metrics.get(name, 0) or 0)

    found: dict[str, Value] = {}
    for measure in MEASURES:
        if measure.numerator and measure.denominator:
            found[measure.key] = Value(m(measure.numerator), m(measure.denominator))
        elif measure.numerator:
            found[measure.key] = Value(m(measure.numerator))
    found["open_overdue"] = Value(open_overdue)
    found["petitions_overdue"] = Value(m("petitions_due") - m("petitions_due_answered"))
    found["reform_done"] = Value(reform.done if reform else 0, reform.total if reform else 0)
    found["reform_overdue"] = Value(reform.overdue if reform else 0)
    return found


# ---------------------------------------------------------------- reads, by agency


def counters_by_agency(agency_ids: set[int], period: Period) -> dict[int, Counter[str]]:
    """The counters of the measures summed over the period for each agency on its own (not
    rolled up): one query on the monthly roll-up, one on the daily rows at the edges."""
    months, edges = month_split(period)
    found: dict[int, Counter[str]] = defaultdict(Counter)
    if months:
        rows = (
            MonthlyCounter.objects.filter(
                agency_id__in=agency_ids,
                month__gte=months[0],
                month__lte=months[-1],
                metric__in=COUNTER_METRICS,
            )
            .values_list("agency_id", "metric")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for agency_id, metric, total in rows:
            found[agency_id][metric] += total
    if edges:
        days = Q()
        for first, last in edges:
            days |= Q(day__gte=first, day__lte=last)
        day_rows = (
            DailyCounter.objects.filter(days, agency_id__in=agency_ids, metric__in=COUNTER_METRICS)
            .values_list("agency_id", "metric")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for agency_id, metric, total in day_rows:
            found[agency_id][metric] += total
    return found


def open_overdue_by_agency(agency_ids: set[int], *, now: datetime) -> dict[int, int]:
    """Dossiers received, not finished and past their due moment now, per agency: one GROUP
    BY on the (agency, state, due_at) index."""
    rows = (
        Dossier.objects.filter(
            agency_id__in=agency_ids,
            state__in=OPEN_AFTER_RECEPTION,
            due_at__lt=now,
            finished_at__isnull=True,
        )
        .values_list("agency_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def reform_by_agency(root: Agency, period: Period, *, today: date) -> dict[int, Kpi]:
    """The reform tasks due in the period per lead agency, on its own tasks
    (`reform.selectors.ranking`)."""
    lines = ranking(agency=root, start=period.start, end=period.end, today=today)
    return {line.agency.pk: line.kpi for line in lines}


KPI_FIELDS = ("total", "done", "done_on_time", "done_late", "overdue", "not_due", "due_soon")


def _kpi_sum(kpis: Iterable[Kpi]) -> Kpi | None:
    found = list(kpis)
    if not found:
        return None
    return Kpi(**{name: sum(getattr(k, name) for k in found) for name in KPI_FIELDS})


def subtrees(agencies: Sequence[Agency]) -> dict[int, set[int]]:
    """Each agency's id with the ids of every agency below it, among `agencies` (a whole
    subtree), from the parent links alone."""
    children: dict[int, list[int]] = defaultdict(list)
    for agency in agencies:
        if agency.parent_id is not None:
            children[agency.parent_id].append(agency.pk)
    found: dict[int, set[int]] = {}

    def walk(agency_id: int) -> set[int]:
        if agency_id not in found:
            below = {agency_id}
            stack = list(children.get(agency_id, ()))
            while stack:
                child = stack.pop()
                below.add(child)
                stack.extend(children.get(child, ()))
            found[agency_id] = below
        return found[agency_id]

    for agency in agencies:
        walk(agency.pk)
    return found


@dataclass(frozen=True)
class AgencyRow:
    agency: Agency
    depth: int
    values: dict[str, Value]


def scoped_counters_by_agency(scope: AgencyScope, period: Period) -> dict[int, Counter[str]]:
    """`counters_by_agency` under the reading rule of merged agencies: each agency's counters
    of a day go to the agency they count for that day (`AgencyScope.owner`), so a merged
    agency keeps what it counted before its merger day and its successor gets the rest. One
    pair of queries per piece of the period (one piece without a merger inside it)."""
    ids = set(scope.ids)
    found: dict[int, Counter[str]] = defaultdict(Counter)
    for segment in scope.segments(period.start, period.end):
        for agency_id, values in counters_by_agency(ids, segment_period(segment)).items():
            found[scope.owner(agency_id, segment.first)].update(values)
    return found


def agency_rows(
    root: Agency,
    agencies: Sequence[Agency],
    period: Period,
    *,
    now: datetime,
    today: date,
    scope: AgencyScope,
) -> list[AgencyRow]:
    """The root and every agency below it (tree order, by code within a level), each rolled
    up over its own subtree, read with a fixed number of queries. `agencies` are those of
    `scope` (`AgencyScope.ids`); an agency merged on or before the period's start has no row
    of its own, its figures are its successor's."""
    counters = scoped_counters_by_agency(scope, period)
    overdue: Counter[int] = Counter()
    for agency_id, n in open_overdue_by_agency(set(scope.ids), now=now).items():
        overdue[scope.owner(agency_id, today)] += n
    reform = reform_by_agency(root, period, today=today)
    below = subtrees(agencies)
    listed = scope.listed(period.start)
    by_parent: dict[int | None, list[Agency]] = defaultdict(list)
    for agency in agencies:
        by_parent[agency.parent_id].append(agency)
    rows: list[AgencyRow] = []

    def visit(agency: Agency, depth: int) -> None:
        members = below[agency.pk]
        metrics: Counter[str] = Counter()
        for member in members:
            metrics.update(counters.get(member, {}))
        if agency.pk in listed:
            rows.append(
                AgencyRow(
                    agency,
                    depth,
                    values_from(
                        metrics,
                        open_overdue=sum(overdue.get(member, 0) for member in members),
                        reform=_kpi_sum(reform[m] for m in members if m in reform),
                    ),
                )
            )
        for child in sorted(by_parent.get(agency.pk, []), key=lambda a: a.code):
            visit(child, depth + 1)

    visit(root, 0)
    return rows


def worst(rows: Sequence[AgencyRow], key: str, count: int = WORST) -> list[AgencyRow]:
    """The `count` worst agencies below the root on a measure: for a rate the lowest share
    among those with something to judge, for a count of what went wrong the highest above
    zero; ties by agency name (then code)."""
    measure = BY_KEY[key]
    if not measure.worse:
        return []
    candidates = [row for row in rows if row.depth > 0 and row.values[key].judged]
    if measure.worse == "high":
        candidates = [row for row in candidates if row.values[key].numerator > 0]
        ordered = sorted(
            candidates,
            key=lambda r: (-r.values[key].sort_value, r.agency.name, r.agency.code),
        )
    else:
        ordered = sorted(
            candidates, key=lambda r: (r.values[key].sort_value, r.agency.name, r.agency.code)
        )
    return ordered[:count]


# ---------------------------------------------------------------- trend (the chosen agency)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    value: Value

    @property
    def label(self) -> str:
        return f"{self.period.start:%m/%Y}"


def reform_by_month(agency_ids: set[int], periods: Sequence[Period], *, today: date) -> list[Kpi]:
    """The reform tasks led by the agencies and due in each period, read on `today`: one
    GROUP BY on the deadline's month with the reform package's own status filters (the
    periods are calendar months, the last one perhaps cut short at its end)."""
    first, last = periods[0].start, periods[-1].end
    overdue = status_filter(Status.OVERDUE, today=today, until=today)
    rows = (
        ReformTask.objects.filter(lead_agency_id__in=agency_ids, deadline__range=(first, last))
        .annotate(month=TruncMonth("deadline"))
        .values("month")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(done_on__isnull=False)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    )
    by_month = {row["month"]: row for row in rows}
    found = []
    for period in periods:
        row = by_month.get(period.start, {"total": 0, "done": 0, "overdue": 0})
        found.append(
            Kpi(
                total=row["total"],
                done=row["done"],
                done_on_time=0,
                done_late=0,
                overdue=row["overdue"],
                not_due=0,
                due_soon=0,
            )
        )
    return found


def trends(scope: AgencyScope, end: date, *, today: date) -> dict[str, list[TrendPoint]]:
    """The last 12 months (the last one stops at `end`) of every measure that has a history:
    the counters in one pass (one more per merger day among them), the reform tasks due in
    each month in one GROUP BY."""
    periods = month_periods(end)
    metrics = scoped_metrics_for(scope, periods)
    reform = reform_by_month(scope.tree(), periods, today=today)
    found: dict[str, list[TrendPoint]] = {m.key: [] for m in MEASURES if m.trend}
    for period, counted, tasks in zip(periods, metrics, reform, strict=True):
        values = values_from(counted, open_overdue=0, reform=tasks)
        for key, points in found.items():
            points.append(TrendPoint(period, values[key]))
    return found


# ---------------------------------------------------------------- filing, ballots


@dataclass(frozen=True)
class FilingLine:
    agency: Agency
    state: str  # filed | draft | missing
    version: int | None


@dataclass(frozen=True)
class Filing:
    period: Period
    lines: list[FilingLine]

    @property
    def filed(self) -> int:
        return sum(1 for line in self.lines if line.state == "filed")

    @property
    def missing(self) -> list[Agency]:
        return [line.agency for line in self.lines if line.state != "filed"]


def last_month(today: date) -> Period:
    """The last whole month: the period a monthly report is filed for."""
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def filing(children: Sequence[Agency], *, today: date) -> Filing:
    """Which direct children filed their statistics report (§8.1) for the last whole month,
    which only drafted it, which have nothing: one query. A child merged on or before the
    month's first day files nothing of its own (its successor reports its figures)."""
    period = last_month(today)
    children = [c for c in children if c.merged_on is None or c.merged_on > period.start]
    states: dict[int, tuple[str, int]] = {}
    for agency_id, status, version in FiledReport.objects.filter(
        agency__in=[c.pk for c in children],
        period_start=period.start,
        period_end=period.end,
    ).values_list("agency_id", "status", "version"):
        held = states.get(agency_id)
        if status == FiledReport.Status.SUBMITTED:
            if held is None or held[0] != "filed" or version > held[1]:
                states[agency_id] = ("filed", version)
        elif held is None:
            states[agency_id] = ("draft", version)
    lines = [
        FilingLine(child, *states.get(child.pk, ("missing", None)))  # type: ignore[arg-type]
        for child in children
    ]
    return Filing(period, lines)


@dataclass(frozen=True)
class Ballots:
    open: int
    members: int  # seats on the open ballots
    answered: int  # of those, answered
    sent: list[tuple[Period, int]] = field(default_factory=list)  # per month, 12 months

    @property
    def answered_share(self) -> Value:
        return Value(self.answered, self.members)


def ballots(agency_ids: set[int], *, end: date) -> Ballots:
    """The open ballots the agencies drafted, how many of their members answered, and the
    ballots sent in each of the last 12 months (`ballots.selectors.sent_counts`)."""
    scope = Ballot.objects.filter(agency_id__in=agency_ids)
    found = scope.filter(state=Ballot.State.OPEN).aggregate(
        open=Count("pk", distinct=True),
        members=Count("members", distinct=True),
        answered=Count("answers", distinct=True),
    )
    periods = month_periods(end)
    by_year = {
        year: sent_counts(year=year, ballots=scope) for year in {p.start.year for p in periods}
    }
    sent = [(p, by_year[p.start.year].months[p.start.month - 1]) for p in periods]
    return Ballots(found["open"], found["members"], found["answered"], sent)
