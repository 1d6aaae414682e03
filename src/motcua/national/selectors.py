"""National reads: the ranking of the provinces, a province's agencies, an agency's
indicators and the snapshots behind one, the national figures, a public snapshot.

Scores come from the index's own engine (`definition_for`, `evaluate`, `has_dossiers`) over
the national counters plus the catalog metrics of the national catalog (`import-catalog`):
a province's procedures are those of the catalog's agencies located in it (the agency's
division is the province or one of its communes) and every agency below them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from motcua.catalog.models import Procedure, Publication, RequiredDocument
from motcua.core.calendar import working_calendar
from motcua.core.errors import NotFound
from motcua.directory.models import Agency
from motcua.dossiers.metrics import ON_TIME, SATISFIED
from motcua.index.engine import (
    PUBLICATION_DEADLINE_WORKING_DAYS,
    Period,
    definition_for,
    evaluate,
    has_dossiers,
)
from motcua.national.metrics import ONLINE
from motcua.national.models import METRICS, AgencyCounter, ProvinceCounter, Snapshot
from motcua.national.peers import province_names

ONLINE_LEVELS = ("full", "partial")
CATALOG_ZERO = {
    "procedures": 0,
    "procedures_online": 0,
    "procedures_registry": 0,
    "procedures_complete": 0,
    "publications_new": 0,
    "publications_new_on_time": 0,
    "publications_amended": 0,
    "publications_amended_on_time": 0,
}


# --- the national catalog, grouped ----------------------------------------------------------


def catalog_agencies_by_province() -> dict[str, set[int]]:
    """The catalog's agencies in each province: those whose division is the province or one
    of its communes, and every agency below them (one query, the tree walked in memory)."""
    rows = list(
        Agency.objects.values_list("id", "parent_id", "division__code", "division__parent__code")
    )
    children: dict[int, list[int]] = defaultdict(list)
    found: dict[str, set[int]] = defaultdict(set)
    names = province_names()
    for pk, parent, division, division_parent in rows:
        if parent is not None:
            children[parent].append(pk)
        province = division if division in names else division_parent
        if province in names:
            found[province].add(pk)
    for roots in found.values():
        frontier = list(roots)
        while frontier:
            below = [c for pk in frontier for c in children.get(pk, ()) if c not in roots]
            roots.update(below)
            frontier = below
    return dict(found)


def catalog_metrics_grouped(groups: dict[str, set[int]], period: Period) -> dict[str, dict]:
    """`index.engine.catalog_metrics` for several sets of agencies at once: the same counts,
    in three queries instead of six per set."""
    every = set().union(*groups.values()) if groups else set()
    result = {key: dict(CATALOG_ZERO) for key in groups}
    if not every:
        return result
    by_agency: dict[int, set[int]] = defaultdict(set)
    for procedure, agency in Procedure.agencies.through.objects.filter(
        agency_id__in=every
    ).values_list("procedure_id", "agency_id"):
        by_agency[agency].add(procedure)
    has_documents = Exists(RequiredDocument.objects.filter(procedure_id=OuterRef("pk")))
    facts = {
        pk: (online in ONLINE_LEVELS, registry, limit is not None and basis != "" and docs)
        for pk, online, registry, limit, basis, docs in Procedure.objects.filter(
            id__in={p for ps in by_agency.values() for p in ps}
        )
        .annotate(docs=has_documents)
        .values_list("id", "online", "registry_connected", "time_limit", "legal_basis", "docs")
    }
    calendar = working_calendar()
    publications: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for procedure, kind, decided, public in Publication.objects.filter(
        procedure_id__in=facts, decided_on__gte=period.start, decided_on__lte=period.end
    ).values_list("procedure_id", "kind", "decided_on", "public_on"):
        deadline = calendar.add_working_days(decided, PUBLICATION_DEADLINE_WORKING_DAYS)
        publications[procedure].append((kind, public is not None and public <= deadline))
    for key, agencies in groups.items():
        procedures = {p for a in agencies for p in by_agency.get(a, ())}
        counts = result[key]
        for procedure in procedures:
            online, registry, complete = facts[procedure]
            counts["procedures"] += 1
            counts["procedures_online"] += online
            counts["procedures_registry"] += registry
            counts["procedures_complete"] += bool(complete)
            for kind, on_time in publications.get(procedure, ()):
                counts[f"publications_{kind}"] += 1
                counts[f"publications_{kind}_on_time"] += on_time
    return result


# --- the ranking ----------------------------------------------------------------------------


def _sums(rows: QuerySet, key: str) -> dict[str, dict[str, int]]:
    """Each metric summed over the rows, by `key`: one GROUP BY."""
    found: dict[str, dict[str, int]] = {}
    sums = {f"m__{metric}": Sum(metric) for metric in METRICS}
    for row in rows.values(key).annotate(**sums).order_by():
        found[row[key]] = {metric: row[f"m__{metric}"] or 0 for metric in METRICS}
    return found


def _period_rows(model: type, period: Period, **where: Any) -> QuerySet:
    return model.objects.filter(day__gte=period.start, day__lte=period.end, **where)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Scored:
    code: str
    name: str
    result: dict[str, Any]
    metrics: dict[str, int]
    ranked: bool

    @property
    def total(self) -> float:
        return float(self.result["total"])


def _ranked(scored: list[Scored]) -> list[Scored]:
    # Scores are compared as shown (2 decimals): 73.4 and 73.39999… are a tie.
    return sorted(scored, key=lambda s: (-round(s.total, 2), s.code))


def provinces_scored(period: Period) -> list[Scored]:
    """Every province's §7 result for the period, best first; the ones with no dossier
    received or finished are marked not ranked (§7)."""
    counters = _sums(_period_rows(ProvinceCounter, period), "province")
    catalog = catalog_metrics_grouped(catalog_agencies_by_province(), period)
    spec = definition_for(period)
    scored = []
    for code, name in province_names().items():
        dossiers = counters.get(code, {})
        metrics = {**dossiers, **catalog.get(code, CATALOG_ZERO)}
        scored.append(Scored(code, name, evaluate(spec, metrics), metrics, has_dossiers(dossiers)))
    return _ranked(scored)


def ranking(period: Period) -> dict[str, Any]:
    """`GET /api/v1/national/ranking` (§12.1)."""
    scored = provinces_scored(period)
    items = [
        {
            "rank": rank,
            "province": s.code,
            "name": s.name,
            "total": s.total,
            "band": s.result["band"],
            "dossiers_received": s.metrics.get("received", 0),
            "dossiers_finished": s.metrics.get("finished", 0),
        }
        for rank, s in enumerate((s for s in scored if s.ranked), start=1)
    ]
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "items": items,
        "apart": [{"province": s.code, "name": s.name} for s in scored if not s.ranked],
        "figures": figures_from(scored),
    }


def figures_from(scored: list[Scored]) -> dict[str, int]:
    """The national figures of the seeds: online dossiers, synchronised dossiers, online
    payments and their amount, over the period."""
    total: defaultdict[str, int] = defaultdict(int)
    for s in scored:
        for metric in ("received_online", "synced", "payments_online", "payments_online_amount"):
            total[metric] += int(s.metrics.get(metric, 0) or 0)
    return {
        "dossiers_online": total["received_online"],
        "dossiers_synced": total["synced"],
        "payments_online_count": total["payments_online"],
        "payments_online_amount": total["payments_online_amount"],
    }


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def province_kpi(code: str, period: Period) -> dict[str, Any]:
    """§8's figures for a province that its snapshots and the national catalog can tell
    (the ones needing a dossier's whole history — open and overdue at the period's end —
    are the province's own)."""
    scored = province_scored(code, period)
    m = scored.metrics
    received, finished = m.get("received", 0), m.get("finished", 0)
    on_time = m.get("finished_on_time", 0)
    procedures, online = m.get("procedures", 0), m.get("procedures_online", 0)
    return {
        "province": code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "procedures_total": procedures,
        "procedures_online": online,
        "procedures_online_share": _rate(online, procedures),
        "dossiers_received": received,
        "dossiers_online": m.get("received_online", 0),
        "online_rate": _rate(m.get("received_online", 0), received),
        "dossiers_finished": finished,
        "on_time_rate": _rate(on_time, finished),
        "overdue_rate": _rate(finished - on_time, finished),
        "digitized_rate": _rate(m.get("digitized", 0), received),
        "e_result_rate": _rate(m.get("e_result", 0), finished),
        "payments_online_count": m.get("payments_online", 0),
        "payments_online_amount": m.get("payments_online_amount", 0),
    }


def province_name(code: str) -> str:
    name = province_names().get(code)
    if name is None:
        raise NotFound(f"Không có tỉnh mã '{code[:16]}'.")
    return name


def province_scored(code: str, period: Period) -> Scored:
    name = province_name(code)
    dossiers = _sums(_period_rows(ProvinceCounter, period, province=code), "province").get(code, {})
    groups = catalog_agencies_by_province()
    catalog = catalog_metrics_grouped({code: groups.get(code, set())}, period)[code]
    metrics = {**dossiers, **catalog}
    return Scored(
        code, name, evaluate(definition_for(period), metrics), metrics, has_dossiers(dossiers)
    )


def agencies_scored(province: str, period: Period) -> list[Scored]:
    """The agencies of a province that handled its synchronised dossiers, each scored over
    its own dossiers and, when the national catalog holds it, its procedures."""
    counters = _sums(_period_rows(AgencyCounter, period, province=province), "agency_code")
    names = dict(
        Snapshot.objects.filter(province=province, agency_code__in=list(counters))
        .exclude(agency_name="")
        .values_list("agency_code", "agency_name")
        .distinct()
        .order_by()
    )
    catalog = catalog_metrics_grouped(_catalog_subtrees(list(counters)), period)
    spec = definition_for(period)
    scored = []
    for code, dossiers in counters.items():
        metrics = {**dossiers, **catalog.get(code, CATALOG_ZERO)}
        scored.append(
            Scored(
                code,
                names.get(code, code),
                evaluate(spec, metrics),
                metrics,
                has_dossiers(dossiers),
            )
        )
    return _ranked(scored)


def _catalog_subtrees(codes: list[str]) -> dict[str, set[int]]:
    rows = list(Agency.objects.values_list("id", "parent_id", "code"))
    children: dict[int, list[int]] = defaultdict(list)
    by_code = {}
    for pk, parent, code in rows:
        by_code[code] = pk
        if parent is not None:
            children[parent].append(pk)
    result = {}
    for code in codes:
        if code not in by_code:
            continue
        found = {by_code[code]}
        frontier = [by_code[code]]
        while frontier:
            frontier = [c for pk in frontier for c in children.get(pk, ()) if c not in found]
            found.update(frontier)
        result[code] = found
    return result


def agency_scored(province: str, agency: str, period: Period) -> Scored:
    for scored in agencies_scored(province, period):
        if scored.code == agency:
            return scored
    raise NotFound(f"Tỉnh {province} không có hồ sơ của cơ quan '{agency[:64]}' trong kỳ.")


# --- the snapshots behind a dossier indicator ------------------------------------------------

# metric → (the moment that dates it, which snapshots count)
METRIC_FILTERS: dict[str, tuple[str, Q]] = {
    "received": ("received_at", Q()),
    "received_online": ("received_at", Q(channel=ONLINE)),
    "received_online_offer": ("received_at", Q(offers_online=True)),
    "received_online_offer_online": ("received_at", Q(offers_online=True, channel=ONLINE)),
    "synced": ("received_at", Q()),
    "digitized": ("received_at", Q(digitized=True)),
    "reused": ("received_at", Q(reused_data=True)),
    "registry_used": ("received_at", Q(registry_used=True)),
    "with_fee": ("received_at", Q(fee_amount__gt=0)),
    "with_fee_paid_online": ("received_at", Q(fee_amount__gt=0, paid_online=True)),
    "finished": ("finished_at", Q()),
    "finished_on_time": ("finished_at", ON_TIME),
    "e_result": ("finished_at", Q(e_result=True)),
    "e_result_to_store": ("finished_at", Q(e_result=True, result_to_store=True)),
    "rated": ("rated_at", ~Q(rating="")),
    "rated_satisfied": ("rated_at", Q(rating__in=SATISFIED)),
}


def indicator_of(period: Period, key: str) -> dict[str, Any]:
    for group in definition_for(period)["groups"]:
        for indicator in group["indicators"]:
            if indicator["key"] == key:
                return indicator
    raise NotFound(f"Không có chỉ tiêu '{key[:64]}'.")


def counts_dossiers(indicator: dict[str, Any]) -> bool:
    """Whether the indicator counts snapshots (else the catalog): it has a dossier list."""
    return indicator["numerator"] in METRIC_FILTERS and indicator["denominator"] in METRIC_FILTERS


def indicator_snapshots(
    *, province: str, agency: str, period: Period, indicator: dict[str, Any]
) -> tuple[QuerySet, Q] | None:
    """The snapshots of the indicator's denominator, and which of them are in its numerator;
    None for an indicator counted from the catalog."""
    denominator = METRIC_FILTERS.get(indicator["denominator"])
    numerator = METRIC_FILTERS.get(indicator["numerator"])
    if denominator is None or numerator is None:
        return None
    moment, where = denominator
    rows = Snapshot.objects.filter(
        where,
        province=province,
        agency_code=agency,
        **{
            f"{moment}__gte": period.start_moment,
            f"{moment}__lt": period.end_moment,
        },
    ).order_by(moment, "code")
    return rows, numerator[1]


def snapshot_public(code: str) -> dict[str, Any]:
    """`GET /api/v1/national/dossiers/{code}/public`: no personal data."""
    # A NUL cannot even be sent to PostgreSQL (a 500), and no code holds one.
    found = (
        None
        if "\x00" in code
        else Snapshot.objects.filter(code=code)
        .values("code", "province", "version", "status", "received_at", "due_at", "finished_at")
        .first()
    )
    if found is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã '{code[:64]}'.")
    row: dict[str, Any] = dict(found)
    for key in ("received_at", "due_at", "finished_at"):
        if row[key] is not None:
            row[key] = timezone.localtime(row[key])
    return row
