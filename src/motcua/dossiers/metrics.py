"""What a dossier contributes to the daily counters (`motcua.counters`), and the rebuild of
the same numbers from the dossiers.

A dossier contributes to metrics keyed by its agency and a local day: the day it was
received, the day it was finished, the day it was rated, the day its online payment was
confirmed. Every change — `dossier_transition`, `dossier_record`, an import — moves the
counters by `contributions(after) - contributions(before)`, so they stay equal to a rebuild.
The rebuild below is registered with the counters when the dossiers app loads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from django.db.models import Count, F, Q, Sum

from motcua.counters.keys import Key, local_day
from motcua.counters.sources import grouped_counts, rebuild_source
from motcua.dossiers.models import Channel, Dossier

SATISFIED = ("satisfied", "very_satisfied")
ONLINE_LEVELS = ("full", "partial")


class OnTimeFacts(Protocol):
    """What the on-time rule reads: a `Dossier`, or the drill-down's lighter record."""

    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def supplement_count(self) -> int: ...


def is_on_time(dossier: OnTimeFacts) -> bool:
    """§7: finished at or before the (moved) due moment, with at most one supplement request
    after reception. A procedure with no published time limit cannot be late."""
    if dossier.finished_at is None:
        return False
    if dossier.supplement_count > 1:
        return False
    return dossier.due_at is None or dossier.finished_at <= dossier.due_at


def contributions(dossier: Dossier, *, offers_online: bool | None = None) -> Counter[Key]:
    """The counters this dossier adds to, as it stands now."""
    result: Counter[Key] = Counter()
    agency = dossier.agency_id
    if offers_online is None:
        offers_online = dossier.procedure.online in ONLINE_LEVELS
    if dossier.received_at is not None:
        day = local_day(dossier.received_at)
        online = dossier.channel == Channel.ONLINE
        flags = {
            "received": True,
            "received_online": online,
            "received_online_offer": offers_online,
            "received_online_offer_online": offers_online and online,
            "synced": dossier.synced,
            "digitized": dossier.digitized,
            "reused": dossier.reused_data,
            "registry_used": dossier.registry_used,
            "with_fee": dossier.fee_amount > 0,
            "with_fee_paid_online": dossier.fee_amount > 0 and dossier.paid_online,
        }
        for metric, on in flags.items():
            if on:
                result[(agency, day, metric)] += 1
    if dossier.paid_online and dossier.paid_online_at is not None and dossier.fee_amount > 0:
        # §8 counts online payments by the day they were confirmed, which may fall before
        # reception (paid while applying) or in a later period than it.
        day = local_day(dossier.paid_online_at)
        result[(agency, day, "payments_online")] += 1
        result[(agency, day, "payments_online_amount")] += dossier.fee_amount
    if dossier.finished_at is not None:
        day = local_day(dossier.finished_at)
        result[(agency, day, "finished")] += 1
        if is_on_time(dossier):
            result[(agency, day, "finished_on_time")] += 1
        if dossier.e_result:
            result[(agency, day, "e_result")] += 1
            if dossier.result_to_store:
                result[(agency, day, "e_result_to_store")] += 1
    if dossier.rated_at is not None and dossier.rating:
        day = local_day(dossier.rated_at)
        result[(agency, day, "rated")] += 1
        if dossier.rating in SATISFIED:
            result[(agency, day, "rated_satisfied")] += 1
    return result


# --- rebuild: the same metrics, computed by the database from the dossiers -----------------

_RECEIVED_METRICS = {
    "received": Count("id"),
    "received_online": Count("id", filter=Q(channel=Channel.ONLINE)),
    "received_online_offer": Count("id", filter=Q(procedure__online__in=ONLINE_LEVELS)),
    "received_online_offer_online": Count(
        "id", filter=Q(procedure__online__in=ONLINE_LEVELS, channel=Channel.ONLINE)
    ),
    "synced": Count("id", filter=Q(synced=True)),
    "digitized": Count("id", filter=Q(digitized=True)),
    "reused": Count("id", filter=Q(reused_data=True)),
    "registry_used": Count("id", filter=Q(registry_used=True)),
    "with_fee": Count("id", filter=Q(fee_amount__gt=0)),
    "with_fee_paid_online": Count("id", filter=Q(fee_amount__gt=0, paid_online=True)),
}
# `is_on_time` as a filter.
ON_TIME = Q(supplement_count__lte=1) & (Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at")))
_FINISHED_METRICS = {
    "finished": Count("id"),
    "finished_on_time": Count("id", filter=ON_TIME),
    "e_result": Count("id", filter=Q(e_result=True)),
    "e_result_to_store": Count("id", filter=Q(e_result=True, result_to_store=True)),
}
_RATED_METRICS = {
    "rated": Count("id"),
    "rated_satisfied": Count("id", filter=Q(rating__in=SATISFIED)),
}
_PAID_ONLINE_METRICS = {
    "payments_online": Count("id"),
    "payments_online_amount": Sum("fee_amount"),
}


def _grouped(field: str, metrics: dict, extra: Q | None = None) -> Iterable[tuple[Key, int]]:
    dossiers = Dossier.objects.all() if extra is None else Dossier.objects.filter(extra)
    return grouped_counts(dossiers, field, metrics)


@rebuild_source("dossiers")
def dossier_counters_rebuilt() -> Iterable[tuple[Key, int]]:
    """The same metrics as `contributions`, stated as GROUP BYs over the dossiers."""
    yield from _grouped("received_at", _RECEIVED_METRICS)
    yield from _grouped("finished_at", _FINISHED_METRICS)
    yield from _grouped("rated_at", _RATED_METRICS, ~Q(rating=""))
    yield from _grouped(
        "paid_online_at", _PAID_ONLINE_METRICS, Q(paid_online=True, fee_amount__gt=0)
    )
