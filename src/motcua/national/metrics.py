"""What a snapshot contributes to the national counters, and the rebuild of the same numbers
from the snapshots.

The metrics and their rules are the province's (`dossiers.metrics.contributions`), read from
the snapshot's columns, with one difference the contract states (§12.1): every dossier
received nationally counts as synchronised. A new version moves the counters by
`contributions(new) - contributions(old)` in the transaction that stores it, so the counters
always equal `national_counters_rebuilt()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from motcua.core.worktime import TZ
from motcua.counters.keys import local_day
from motcua.dossiers.metrics import ON_TIME, SATISFIED, is_on_time
from motcua.national.models import METRICS, Snapshot

ONLINE = 2  # §12 channel codes: 1 direct, 2 online, 3 postal

# (agency code, local day) → one value per metric in `METRICS` order: a batch's counter rows,
# the province being the batch's.
Wide = dict[tuple[str, date], list[int]]

# The columns `contributions_add` reads: what the ingest fetches of a stored snapshot.
FACTS = (
    "agency_code",
    "channel",
    "offers_online",
    "received_at",
    "finished_at",
    "due_at",
    "supplement_count",
    "digitized",
    "reused_data",
    "registry_used",
    "fee_amount",
    "paid_online",
    "paid_online_at",
    "e_result",
    "result_to_store",
    "rating",
    "rated_at",
)

_AT = {metric: i for i, metric in enumerate(METRICS)}
# The positions read for every snapshot received, named once.
_AT_RECEIVED = _AT["received"]
_AT_RECEIVED_ONLINE = _AT["received_online"]
_AT_RECEIVED_ONLINE_OFFER = _AT["received_online_offer"]
_AT_RECEIVED_ONLINE_OFFER_ONLINE = _AT["received_online_offer_online"]
_AT_SYNCED = _AT["synced"]
_AT_DIGITIZED = _AT["digitized"]
_AT_REUSED = _AT["reused"]
_AT_REGISTRY_USED = _AT["registry_used"]
_AT_WITH_FEE = _AT["with_fee"]
_AT_WITH_FEE_PAID_ONLINE = _AT["with_fee_paid_online"]


def _values(into: Wide, agency: str, moment: datetime) -> list[int]:
    key = (agency, local_day(moment))
    values = into.get(key)
    if values is None:
        values = into[key] = [0] * len(METRICS)
    return values


def contributions_add(into: Wide, row: Mapping[str, Any], sign: int = 1) -> None:
    """Add to `into` what a snapshot (its columns as a mapping) counts towards, or take it
    away (`sign=-1`). Runs twice for every new version, so it writes straight into the
    batch's counter rows rather than building a `Counter` of (agency, day, metric) keys."""
    agency = row["agency_code"]
    received_at = row["received_at"]
    fee = row["fee_amount"]
    if received_at is not None:
        values = _values(into, agency, received_at)
        online = row["channel"] == ONLINE
        offers_online = row["offers_online"]
        values[_AT_RECEIVED] += sign
        values[_AT_SYNCED] += sign
        if online:
            values[_AT_RECEIVED_ONLINE] += sign
        if offers_online:
            values[_AT_RECEIVED_ONLINE_OFFER] += sign
            if online:
                values[_AT_RECEIVED_ONLINE_OFFER_ONLINE] += sign
        if row["digitized"]:
            values[_AT_DIGITIZED] += sign
        if row["reused_data"]:
            values[_AT_REUSED] += sign
        if row["registry_used"]:
            values[_AT_REGISTRY_USED] += sign
        if fee > 0:
            values[_AT_WITH_FEE] += sign
            if row["paid_online"]:
                values[_AT_WITH_FEE_PAID_ONLINE] += sign
    if row["paid_online"] and row["paid_online_at"] is not None and fee > 0:
        values = _values(into, agency, row["paid_online_at"])
        values[_AT["payments_online"]] += sign
        values[_AT["payments_online_amount"]] += sign * fee
    finished_at = row["finished_at"]
    if finished_at is not None:
        values = _values(into, agency, finished_at)
        values[_AT["finished"]] += sign
        facts = SimpleNamespace(
            finished_at=finished_at,
            due_at=row["due_at"],
            supplement_count=row["supplement_count"],
        )
        if is_on_time(facts):
            values[_AT["finished_on_time"]] += sign
        if row["e_result"]:
            values[_AT["e_result"]] += sign
            if row["result_to_store"]:
                values[_AT["e_result_to_store"]] += sign
    if row["rated_at"] is not None and row["rating"]:
        values = _values(into, agency, row["rated_at"])
        values[_AT["rated"]] += sign
        if row["rating"] in SATISFIED:
            values[_AT["rated_satisfied"]] += sign


# --- rebuild: the same metrics as GROUP BYs over the snapshots ------------------------------

_RECEIVED = {
    "received": Count("id"),
    "received_online": Count("id", filter=Q(channel=ONLINE)),
    "received_online_offer": Count("id", filter=Q(offers_online=True)),
    "received_online_offer_online": Count("id", filter=Q(offers_online=True, channel=ONLINE)),
    "synced": Count("id"),
    "digitized": Count("id", filter=Q(digitized=True)),
    "reused": Count("id", filter=Q(reused_data=True)),
    "registry_used": Count("id", filter=Q(registry_used=True)),
    "with_fee": Count("id", filter=Q(fee_amount__gt=0)),
    "with_fee_paid_online": Count("id", filter=Q(fee_amount__gt=0, paid_online=True)),
}
_FINISHED = {
    "finished": Count("id"),
    "finished_on_time": Count("id", filter=ON_TIME),
    "e_result": Count("id", filter=Q(e_result=True)),
    "e_result_to_store": Count("id", filter=Q(e_result=True, result_to_store=True)),
}
_RATED = {
    "rated": Count("id"),
    "rated_satisfied": Count("id", filter=Q(rating__in=SATISFIED)),
}
_PAID = {
    "payments_online": Count("id"),
    "payments_online_amount": Sum("fee_amount"),
}

# (province, agency code, local day, metric)
FullKey = tuple[str, str, date, str]


def _grouped(snapshots: QuerySet, field: str, metrics: dict) -> Iterable[tuple[FullKey, int]]:
    rows = (
        snapshots.filter(**{f"{field}__isnull": False})
        .annotate(m__day=TruncDate(field, tzinfo=TZ))
        .values("province", "agency_code", "m__day")
        .annotate(**{f"m__{name}": aggregate for name, aggregate in metrics.items()})
        .order_by()
    )
    for row in rows:
        for metric in metrics:
            if row[f"m__{metric}"]:
                yield (
                    (row["province"], row["agency_code"], row["m__day"], metric),
                    row[f"m__{metric}"],
                )


def national_counters_rebuilt() -> Iterable[tuple[FullKey, int]]:
    """The same metrics as `contributions_add`, stated as GROUP BYs."""
    snapshots = Snapshot.objects.all()
    yield from _grouped(snapshots, "received_at", _RECEIVED)
    yield from _grouped(snapshots, "finished_at", _FINISHED)
    yield from _grouped(snapshots.exclude(rating=""), "rated_at", _RATED)
    yield from _grouped(
        snapshots.filter(paid_online=True, fee_amount__gt=0), "paid_online_at", _PAID
    )
