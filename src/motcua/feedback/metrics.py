"""A petition's contributions to the daily counters (`motcua.counters`), and the rebuild of them.

The rebuild below is registered with `counters.sources.rebuild_source` when the app loads; the
index reads the metrics by name only (§7 `petitions_on_time`, `petitions_satisfied`; §8
`petitions_received`, `petitions_resolved`).

Keys are (agency, local day, metric):
- `petitions_received` on the day the petition arrived;
- `petitions_due` on the day its answer deadline falls — from submission on, so a petition
  whose deadline passes unanswered is already in that day's denominator;
- `petitions_due_answered` on the same day, when the reply came at or before the deadline;
- `petitions_resolved` on the day the petition arrived, once it has a reply (an answer, or a
  rejection as out of scope: both close it with a reasoned reply to the citizen), so §8's
  resolved rate is "of the petitions received in the period, the share replied to" and stays
  within [0, 1];
- `petition_answers_rated` / `petition_answers_satisfied` on the day the answer was rated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, F, Q

from motcua.counters.keys import Key, local_day
from motcua.counters.sources import grouped_counts, rebuild_source
from motcua.feedback.models import Petition, PetitionRating


def petition_contributions(petition: Petition) -> Counter[Key]:
    result: Counter[Key] = Counter()
    agency = petition.agency_id
    result[(agency, local_day(petition.created_at), "petitions_received")] += 1
    due_day = local_day(petition.due_at)
    result[(agency, due_day, "petitions_due")] += 1
    if petition.answered_at is not None:
        if petition.answered_at <= petition.due_at:
            result[(agency, due_day, "petitions_due_answered")] += 1
        result[(agency, local_day(petition.created_at), "petitions_resolved")] += 1
    if petition.rated_at is not None and petition.rating:
        rated_day = local_day(petition.rated_at)
        result[(agency, rated_day, "petition_answers_rated")] += 1
        if petition.rating == PetitionRating.SATISFIED:
            result[(agency, rated_day, "petition_answers_satisfied")] += 1
    return result


def _grouped(field: str, metrics: dict, extra: Q | None = None) -> Iterable[tuple[Key, int]]:
    queryset = Petition.objects.all() if extra is None else Petition.objects.filter(extra)
    return grouped_counts(queryset, field, metrics)


@rebuild_source("petitions")
def petition_counters_rebuilt() -> Iterable[tuple[Key, int]]:
    """The same metrics as `petition_contributions`, stated as GROUP BYs over petitions."""
    yield from _grouped(
        "created_at",
        {
            "petitions_received": Count("id"),
            "petitions_resolved": Count("id", filter=Q(answered_at__isnull=False)),
        },
    )
    yield from _grouped(
        "due_at",
        {
            "petitions_due": Count("id"),
            "petitions_due_answered": Count("id", filter=Q(answered_at__lte=F("due_at"))),
        },
    )
    yield from _grouped(
        "rated_at",
        {
            "petition_answers_rated": Count("id"),
            "petition_answers_satisfied": Count("id", filter=Q(rating=PetitionRating.SATISFIED)),
        },
        ~Q(rating=""),
    )
