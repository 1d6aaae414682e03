"""The index's tables as plain rows with Vietnamese names, read through the engine (§7, §8):
the report of one agency, §8's figures, the monthly trend, and agencies' scores ranked."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from motcua.directory.models import Agency
from motcua.directory.selectors import agency_scope
from motcua.index.charts import money_vi, number_vi, percent_vi
from motcua.index.engine import (
    BAND_LABELS,
    Period,
    definition_for,
    index_compute,
    index_evaluate,
    index_series,
    kpi_compute,
)
from motcua.payments.selectors import refunds_owed_count

NO_DOSSIERS = "Không phát sinh hồ sơ"


@dataclass(frozen=True)
class GroupLine:
    key: str
    name: str
    score: float
    max: float


@dataclass(frozen=True)
class IndicatorLine:
    group_key: str
    group_name: str
    key: str
    name: str
    numerator: int
    denominator: int
    score: float
    max: float
    applicable: bool

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class IndexReport:
    agency: Agency
    period: Period
    total: float
    band: str
    groups: list[GroupLine]
    indicators: list[IndicatorLine]

    @property
    def band_label(self) -> str:
        return band_label(self.band)


def band_label(band: str) -> str:
    return BAND_LABELS.get(band, band)


def names_of(spec: dict[str, Any]) -> dict[str, str]:
    """Group and indicator keys → their Vietnamese names in a definition of the index."""
    names: dict[str, str] = {}
    for group in spec["groups"]:
        names[group["key"]] = group.get("name", group["key"])
        for item in group["indicators"]:
            names[item["key"]] = item.get("name", item["key"])
    return names


def report_from(
    agency: Agency, period: Period, result: dict[str, Any], names: dict[str, str]
) -> IndexReport:
    groups, indicators = [], []
    for group in result["groups"]:
        group_name = names.get(group["key"], group["key"])
        groups.append(GroupLine(group["key"], group_name, group["score"], group["max"]))
        for item in group["indicators"]:
            indicators.append(
                IndicatorLine(
                    group_key=group["key"],
                    group_name=group_name,
                    key=item["key"],
                    name=names.get(item["key"], item["key"]),
                    numerator=item["numerator"],
                    denominator=item["denominator"],
                    score=item["score"],
                    max=item["max"],
                    applicable=item["applicable"],
                )
            )
    return IndexReport(agency, period, result["total"], result["band"], groups, indicators)


def index_report(*, agency: Agency, period: Period) -> IndexReport:
    result = index_compute(agency=agency, period=period)
    return report_from(agency, period, result, names_of(definition_for(period)))


# §8's keys in the order a leader reads them, with how each is shown.
KPI_ROWS: list[tuple[str, str, str]] = [
    ("procedures_total", "Số thủ tục hành chính thuộc thẩm quyền", "count"),
    ("procedures_online", "Số thủ tục cung cấp trực tuyến (toàn trình, một phần)", "count"),
    ("procedures_online_share", "Tỷ lệ thủ tục cung cấp trực tuyến", "rate"),
    ("procedures_with_dossiers", "Số thủ tục trực tuyến có phát sinh hồ sơ trực tuyến", "count"),
    ("procedures_with_dossiers_share", "Tỷ lệ thủ tục trực tuyến có phát sinh hồ sơ", "rate"),
    ("dossiers_received", "Số hồ sơ tiếp nhận trong kỳ", "count"),
    ("dossiers_online", "Số hồ sơ nộp trực tuyến", "count"),
    ("online_rate", "Tỷ lệ hồ sơ nộp trực tuyến", "rate"),
    ("dossiers_finished", "Số hồ sơ đã giải quyết trong kỳ", "count"),
    ("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "rate"),
    ("overdue_rate", "Tỷ lệ giải quyết quá hạn", "rate"),
    ("open_overdue", "Số hồ sơ đang giải quyết đã quá hạn (cuối kỳ)", "count"),
    ("digitized_rate", "Tỷ lệ hồ sơ được số hóa", "rate"),
    ("e_result_rate", "Tỷ lệ hồ sơ có kết quả điện tử", "rate"),
    ("payments_online_count", "Số hồ sơ thanh toán trực tuyến", "count"),
    ("payments_online_amount", "Số tiền thanh toán trực tuyến", "money"),
    ("petitions_received", "Số phản ánh, kiến nghị tiếp nhận", "count"),
    ("petitions_resolved", "Số phản ánh, kiến nghị đã xử lý", "count"),
    ("petitions_resolved_rate", "Tỷ lệ phản ánh, kiến nghị đã xử lý", "rate"),
]


REFUNDS_OPEN_LABEL = "Số khoản thu trùng chưa hoàn tiền (cuối kỳ)"


@dataclass(frozen=True)
class KpiLine:
    key: str
    label: str
    kind: str  # count | rate | money
    value: float | int | None

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return percent_vi(self.value)
        if self.kind == "money":
            return money_vi(int(self.value))
        return number_vi(self.value, 0)


def kpi_lines(*, agency: Agency, period: Period) -> list[KpiLine]:
    """§8's figures that the engine gives (petition figures appear once petitions exist)."""
    kpi = kpi_compute(agency=agency, period=period)
    lines = [KpiLine(key, label, kind, kpi[key]) for key, label, kind in KPI_ROWS if key in kpi]
    # Not a §8 figure (the `motcua kpi` contract keeps its keys): money taken twice that the
    # agencies still owe back at the end of the period, so it is seen where payments are.
    owed = refunds_owed_count(set(agency_scope([agency]).ids_on(period.end)), period.end_moment)
    lines.append(KpiLine("refunds_open", REFUNDS_OPEN_LABEL, "count", owed))
    return lines


@dataclass(frozen=True)
class MonthScore:
    """A month of the trend; `total` and `band` are None for a month with no dossier
    (§7: a gap in the trend, not a score)."""

    period: Period
    total: float | None
    band: str | None

    @property
    def label(self) -> str:
        return f"{self.period.start:%m/%Y}"

    @property
    def is_gap(self) -> bool:
        return self.total is None

    @property
    def band_label(self) -> str:
        return NO_DOSSIERS if self.band is None else band_label(self.band)


def month_periods(end: date, count: int = 12) -> list[Period]:
    """The `count` calendar months up to the one holding `end`; the last stops at `end`."""
    year, month = end.year, end.month
    periods = []
    for _ in range(count):
        last = date(year, month, calendar.monthrange(year, month)[1])
        periods.append(Period(date(year, month, 1), min(last, end)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods[::-1]


def trend(*, agency: Agency, end: date, months: int = 12) -> list[MonthScore]:
    """The index total month by month, every month computed in one pass (`index_series`); a
    month with no dossier received or finished is a gap."""
    scores = []
    periods = month_periods(end, months)
    for period, (result, active) in zip(
        periods, index_series(agency=agency, periods=periods), strict=True
    ):
        if active:
            scores.append(MonthScore(period, result["total"], result["band"]))
        else:
            scores.append(MonthScore(period, None, None))
    return scores


@dataclass(frozen=True)
class AgencyScore:
    agency: Agency
    total: float
    band: str
    groups: dict[str, float] = field(default_factory=dict)
    has_dossiers: bool = True  # False: listed apart, not ranked (§7)

    @property
    def band_label(self) -> str:
        return band_label(self.band)

    def value(self, key: str) -> float:
        return self.total if key == "total" else self.groups.get(key, 0.0)


def agency_scores(agencies: Iterable[Agency], period: Period) -> list[AgencyScore]:
    """Each agency's index, rolled up over its own subtree (one index computation each)."""
    rows = []
    for agency in agencies:
        result, active = index_evaluate(agency=agency, period=period)
        groups = {group["key"]: group["score"] for group in result["groups"]}
        rows.append(AgencyScore(agency, result["total"], result["band"], groups, active))
    return rows


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: AgencyScore


def ranked(rows: Sequence[AgencyScore], *, key: str, descending: bool) -> list[Ranked]:
    """Rank by `key` (higher is better; equal scores at two decimals share a rank, as
    1, 2, 2, 4), listed in the asked direction; ties listed by agency code. Agencies with no
    dossier in the period are left out (§7): `without_dossiers` lists them apart."""
    scored = [row for row in rows if row.has_dossiers]
    by_score = sorted(scored, key=lambda r: (-round(r.value(key), 2), r.agency.code))
    ranks: dict[int, int] = {}
    previous: float | None = None
    rank = 0
    for position, row in enumerate(by_score, start=1):
        score = round(row.value(key), 2)
        if score != previous:
            rank, previous = position, score
        ranks[row.agency.pk] = rank
    listed = (
        by_score
        if descending
        else sorted(scored, key=lambda r: (round(r.value(key), 2), r.agency.code))
    )
    return [Ranked(ranks[row.agency.pk], row) for row in listed]


def without_dossiers(rows: Sequence[AgencyScore]) -> list[AgencyScore]:
    """The agencies with no dossier received or finished in the period, by code: listed
    apart as "không phát sinh hồ sơ", never ranked (§7)."""
    return sorted((row for row in rows if not row.has_dossiers), key=lambda r: r.agency.code)
