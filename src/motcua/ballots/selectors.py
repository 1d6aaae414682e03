"""The reads of the opinion ballots: what a member still has to answer, the archive's search,
and how many ballots were sent per month, quarter and year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.ballots.access import readable_ballots
from motcua.ballots.models import Ballot, BallotAnswer
from motcua.core.text import search_fold
from motcua.directory.models import User


def to_answer(user: User, *, now: datetime) -> QuerySet[Ballot]:
    """Open ballots the user is a member of, not answered yet, nearest deadline first."""
    return (
        Ballot.objects.filter(state=Ballot.State.OPEN, deadline__gt=now, members__user=user)
        .exclude(answers__member__user=user)
        .select_related("agency")
        .order_by("deadline", "pk")
    )


def countdown(deadline: datetime, *, now: datetime) -> str:
    """“còn 2 ngày 3 giờ”, “còn 45 phút”, or “đã hết hạn”."""
    left = deadline - now
    if left <= timedelta(0):
        return _("đã hết hạn")
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("còn %(d)d ngày %(h)d giờ") % {"d": days, "h": hours}
    if hours:
        return _("còn %(h)d giờ %(m)d phút") % {"h": hours, "m": minutes}
    return _("còn %(m)d phút") % {"m": max(minutes, 1)}


def archive(user: User, query: str) -> QuerySet[Ballot]:
    """The user's readable ballots whose number and title hold every word of the query,
    diacritics and the `kí`/`ký` kind of spelling ignored (`core.text.search_fold`)."""
    found = readable_ballots(user).select_related("agency")
    for word in search_fold(query or "").split()[:10]:
        found = found.filter(search_key__contains=word)
    return found.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class PeriodCounts:
    year: int
    months: list[int]  # sent in each month, January first
    quarters: list[int]
    total: int


def sent_counts(*, year: int, ballots: QuerySet[Ballot] | None = None) -> PeriodCounts:
    """Ballots sent (sent_at) in each local month of `year`, its quarters and the year; one
    GROUP BY."""
    tz = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    source = Ballot.objects.all() if ballots is None else ballots
    rows = (
        source.filter(sent_at__gte=start, sent_at__lt=end)
        .annotate(month=ExtractMonth("sent_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    months = [0] * 12
    for row in rows:
        months[row["month"] - 1] += row["n"]
    quarters = [sum(months[i : i + 3]) for i in range(0, 12, 3)]
    return PeriodCounts(year=year, months=months, quarters=quarters, total=sum(months))


def answers_shown(ballot: Ballot) -> QuerySet[BallotAnswer]:
    return ballot.answers.select_related("member__user").order_by("answered_at", "pk")
