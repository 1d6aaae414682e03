"""What a snapshot contributes to the national counters, and the rebuild of the same numbers
from the snapshots.

The metrics and their rules are the province's (`dossiers.metrics.contributions`), read from
the snapshot's columns, with one difference the contract states (§12.1): every dossier
received nationally counts as synchronised. A new version moves the counters by
`contributions(new) - contributions(old)` in the transaction that stores it, so the counters
always equal `national_counters_rebuilt()`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from motcua.core.worktime import TZ
from motcua.counters.keys import local_day
from motcua.dossiers.metrics import ON_TIME, SATISFIED, is_on_time
from motcua.national.models import Snapshot

ONLINE = 2  # §12 channel codes: 1 direct, 2 online, 3 postal

# (agency code, local day, metric); the province is the batch's, outside the key.
AgencyKey = tuple[str, date, str]

# The columns `snapshot_contributions` reads: what the ingest fetches of a stored snapshot.
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


def snapshot_contributions(row: Mapping[str, Any]) -> Counter[AgencyKey]:
    """The counters a snapshot (its columns as a mapping) adds to."""
    result: Counter[AgencyKey] = Counter()
    agency = row["agency_code"]
    received_at = row["received_at"]
    fee = row["fee_amount"]
    if received_at is not None:
        day = local_day(received_at)
        online = row["channel"] == ONLINE
        offers_online = row["offers_online"]
        flags = {
            "received": True,
            "received_online": online,
            "received_online_offer": offers_online,
            "received_online_offer_online": offers_online and online,
            "synced": True,
            "digitized": row["digitized"],
            "reused": row["reused_data"],
            "registry_used": row["registry_used"],
            "with_fee": fee > 0,
            "with_fee_paid_online": fee > 0 and row["paid_online"],
        }
        for metric, on in flags.items():
            if on:
                result[(agency, day, metric)] += 1
    if row["paid_online"] and row["paid_online_at"] is not None and fee > 0:
        day = local_day(row["paid_online_at"])
        result[(agency, day, "payments_online")] += 1
        result[(agency, day, "payments_online_amount")] += fee
    finished_at = row["finished_at"]
    if finished_at is not None:
        day = local_day(finished_at)
        result[(agency, day, "finished")] += 1
        facts = SimpleNamespace(
            finished_at=finished_at,
            due_at=row["due_at"],
            supplement_count=row["supplement_count"],
        )
        if is_on_time(facts):
            result[(agency, day, "finished_on_time")] += 1
        if row["e_result"]:
            result[(agency, day, "e_result")] += 1
            if row["result_to_store"]:
                result[(agency, day, "e_result_to_store")] += 1
    if row["rated_at"] is not None and row["rating"]:
        day = local_day(row["rated_at"])
        result[(agency, day, "rated")] += 1
        if row["rating"] in SATISFIED:
            result[(agency, day, "rated_satisfied")] += 1
    return result


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
    """The same metrics as `snapshot_contributions`, stated as GROUP BYs."""
    snapshots = Snapshot.objects.all()
    yield from _grouped(snapshots, "received_at", _RECEIVED)
    yield from _grouped(snapshots, "finished_at", _FINISHED)
    yield from _grouped(snapshots.exclude(rating=""), "rated_at", _RATED)
    yield from _grouped(
        snapshots.filter(paid_online=True, fee_amount__gt=0), "paid_online_at", _PAID
    )
