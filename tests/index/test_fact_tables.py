"""The leaders' fast paths give what the definitions they replace give, on varied data.

- `OnlineProcedureMonth` (triggers on the dossier table) equals a GROUP BY of the dossiers
  after inserts, updates of each column it reads, and deletes; §8's "online procedures with
  online dossiers" read from it equals the old COUNT(DISTINCT) over the dossiers for periods
  with and without whole months, edges and a merger day.
- `StepWindow` (a trigger on the event table) equals the migration's recount after events
  inserted one by one and many in one statement, in random orders; `steps_in_period` with
  the windows equals the walk over every dossier of the period.
- `LostDossierList` (counts and pages from the counters) lists what the queryset lists, on
  every page, also when the counters are wrong.

Runs on SQLite and, behind scripts/with-postgres.sh, on PostgreSQL (statement triggers with
transition tables there).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core.worktime import TZ
from motcua.counters.models import DailyCounter
from motcua.counters.services import counters_rebuild
from motcua.directory.models import Agency, Role
from motcua.directory.selectors import agency_scope
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State
from motcua.index.drilldown import (
    LostDossierList,
    count_delayed,
    indicator_view,
    lost_dossiers,
    officer_lines,
    officer_lines_in_period,
    steps_in_period,
)
from motcua.index.engine import Period, definition_for, kpi_compute, scope_q
from motcua.index.models import ClosedStep, OnlineProcedureMonth, StepWindow
from motcua.index.steps import steps_rebuild
from tests.factories import AgencyFactory, ProcedureFactory, staff
from tests.office.test_scale import STEPS, insert_dossiers

pytestmark = pytest.mark.django_db(transaction=False)

ENTER = ("forward", "send_back")
LEAVE = ("approve", "refuse", "withdraw", "cancel")
OTHER = ("receive", "suspend", "resume", "request_supplement", "provide_supplement", "comment")
START = datetime(2025, 1, 1, tzinfo=TZ)


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(0, 60 * 24 * 540))


@pytest.fixture
def varied(agency):
    """600 dossiers over three agencies and five procedures (two not offered online),
    received over 18 months at any hour (local midnight edges included), some online, some
    never received, some finished late."""
    rng = random.Random(13)
    agencies = [agency, AgencyFactory(code="000.00.31.H99"), AgencyFactory(code="000.00.32.H99")]
    procedures = [
        ProcedureFactory(agencies=agencies, workflow=STEPS, online=online)
        for online in ("full", "partial", "none", "full", "none")
    ]
    rows = []
    for i in range(600):
        received = _moment(rng)
        if i % 17 == 0:  # exactly a local midnight
            received = received.replace(hour=0, minute=0)
        due = received + timedelta(days=rng.randrange(1, 20))
        finished = received + timedelta(days=rng.randrange(0, 25)) if rng.random() < 0.7 else None
        row = {
            "reference": f"FT-{i:05d}",
            "code": f"FT-{i:05d}",
            "procedure_id": rng.choice(procedures).pk,
            "agency_id": rng.choice(agencies).pk,
            "channel": rng.choice([Channel.ONLINE, Channel.DIRECT]),
            "created_at": received,
            "received_at": received,
            "due_at": due,
            "supplement_count": rng.choice([0, 0, 0, 1, 2]),
            "state": State.RETURNED if finished else State.IN_PROGRESS,
            "finished_at": finished,
            "closed_at": finished,
        }
        if i % 11 == 0:
            row |= {"received_at": None, "code": None, "state": State.SUBMITTED, "due_at": None}
            row |= {"finished_at": None, "closed_at": None}
        rows.append(row)
    insert_dossiers(rows)
    return agencies, procedures


def _month_recount() -> Counter:
    found: Counter = Counter()
    for agency_id, procedure_id, received in Dossier.objects.filter(
        channel=Channel.ONLINE, received_at__isnull=False
    ).values_list("agency_id", "procedure_id", "received_at"):
        local = received.astimezone(TZ).date()
        found[(agency_id, procedure_id, local.replace(day=1))] += 1
    return found


def _months_stored() -> Counter:
    return Counter(
        {
            (a, p, m): n
            for a, p, m, n in OnlineProcedureMonth.objects.values_list(
                "agency_id", "procedure_id", "month", "dossiers"
            )
            if n
        }
    )


def test_online_procedure_months_follow_every_write(varied):
    agencies, procedures = varied
    assert _months_stored() == _month_recount()
    ids = list(Dossier.objects.order_by("id").values_list("id", flat=True))
    # Each column the table reads, changed by a statement touching many rows.
    Dossier.objects.filter(id__in=ids[::7]).update(channel=Channel.ONLINE)
    Dossier.objects.filter(id__in=ids[1::9]).update(channel=Channel.DIRECT)
    Dossier.objects.filter(id__in=ids[2::5]).update(
        received_at=F("received_at") + timedelta(days=9)
    )
    Dossier.objects.filter(id__in=ids[3::13]).update(agency_id=agencies[2].pk)
    Dossier.objects.filter(id__in=ids[4::6]).update(procedure_id=procedures[3].pk)
    Dossier.objects.filter(id__in=ids[5::10]).update(received_at=None, code=None)
    Dossier.objects.filter(id__in=ids[6::8]).update(synced=True)  # a column it does not read
    assert _months_stored() == _month_recount()
    # One row at a time, as a transition writes it.
    for dossier in Dossier.objects.filter(id__in=ids[8::40]):
        dossier.channel = Channel.DIRECT if dossier.channel == Channel.ONLINE else Channel.ONLINE
        dossier.save(update_fields=["channel"])
    Dossier.objects.filter(id__in=ids[9::4]).delete()
    assert _months_stored() == _month_recount()
    # The months emptied before the dossiers (a flush takes the tables in any order): taking
    # the dossiers away leaves no row behind, not even one counting minus dossiers.
    OnlineProcedureMonth.objects.all().delete()
    Dossier.objects.filter(id__in=ids[10::3]).update(channel=Channel.DIRECT)
    Dossier.objects.all().delete()
    assert OnlineProcedureMonth.objects.count() == 0


def _old_with_dossiers(agency: Agency, period: Period) -> int:
    """§8's count as it was computed before `OnlineProcedureMonth`."""
    segments = agency_scope([agency]).segments(period.start, period.end)
    return (
        Dossier.objects.filter(
            scope_q(segments, "received_at"),
            channel=Channel.ONLINE,
            received_at__gte=period.start_moment,
            received_at__lt=period.end_moment,
            procedure__online__in=("full", "partial"),
        )
        .values("procedure_id")
        .distinct()
        .count()
    )


PERIODS = [
    Period(date(2025, 1, 1), date(2025, 12, 31)),  # whole months only
    Period(date(2025, 3, 15), date(2025, 3, 15)),  # one day
    Period(date(2025, 2, 10), date(2025, 7, 3)),  # edges on both sides
    Period(date(2025, 6, 1), date(2026, 6, 20)),
    Period(date(2026, 1, 31), date(2026, 2, 1)),  # two edges, no whole month
    Period(date(2024, 1, 1), date(2024, 12, 31)),  # before any dossier
]


def test_online_procedures_with_dossiers_equal_the_recount(varied):
    agencies, _procedures = varied
    province = AgencyFactory(code="000.00.00.H98", level=Agency.Level.PROVINCE)
    Agency.objects.filter(pk__in=[a.pk for a in agencies]).update(parent=province)
    rng = random.Random(5)
    # Few online dossiers in some months, so the months differ in what they hold.
    ids = list(Dossier.objects.values_list("id", flat=True))
    Dossier.objects.filter(id__in=rng.sample(ids, 350)).update(channel=Channel.DIRECT)
    for agency in [*agencies, province]:
        for period in PERIODS:
            expected = _old_with_dossiers(agency, period)
            got = kpi_compute(agency=agency, period=period)["procedures_with_dossiers"]
            assert got == expected, (agency.code, period)
    # A merger inside the periods: the absorbed agency's dossiers count under its successor
    # from the merger day on.
    Agency.objects.filter(pk=agencies[2].pk).update(
        merged_into=agencies[0], merged_on=date(2025, 5, 17)
    )
    for agency in agencies[:2]:
        for period in PERIODS:
            agency.refresh_from_db()
            expected = _old_with_dossiers(agency, period)
            got = kpi_compute(agency=agency, period=period)["procedures_with_dossiers"]
            assert got == expected, (agency.code, period)


def _window_recount() -> dict[int, tuple]:
    """The windows by their definition, from the events in seq order."""
    found: dict[int, list] = {}
    for dossier_id, action, at in (
        DossierEvent.objects.filter(action__in=ENTER + LEAVE)
        .order_by("dossier_id", "seq")
        .values_list("dossier_id", "action", "at")
    ):
        window = found.get(dossier_id)
        if window is None:
            if action not in ENTER:
                continue
            window = found[dossier_id] = [at, at, None]
        window[1] = max(window[1], at)
        if action in ENTER:
            window[0] = min(window[0], at)
            window[2] = None
        else:
            window[2] = window[1]
    return {k: tuple(v) for k, v in found.items()}


def _windows_stored() -> dict[int, tuple]:
    return {
        w.dossier_id: (w.entered_at, w.last_at, w.left_at)
        for w in StepWindow.objects.all()
        if w.dossier_id in set(Dossier.objects.values_list("id", flat=True))
    }


def _random_events(rng: random.Random, dossier: Dossier, steps, officers, start_seq: int):
    """A random run of events after reception: steps entered and left, pauses, other
    actions, at moments that usually move forward and sometimes not."""
    at = dossier.received_at
    found = []
    for seq in range(start_seq, start_seq + rng.randrange(0, 9)):
        at = at + timedelta(minutes=rng.randrange(-30, 60 * 30))
        action = rng.choice([*ENTER, *ENTER, *LEAVE, *OTHER])
        payload = {}
        if action in ENTER:
            payload = {"step": rng.choice(steps).position, "assignee_id": rng.choice(officers)}
        found.append(_event(dossier, seq, at, action, rng.choice(officers), payload))
    return found


def _event(dossier: Dossier, seq: int, at: datetime, action: str, actor_id: int, payload):
    return DossierEvent(
        dossier=dossier,
        seq=seq,
        at=at,
        actor_id=actor_id,
        action=action,
        to_state="in_progress",
        payload=payload,
    )


def test_step_windows_and_the_walk_they_narrow(varied):
    agencies, procedures = varied
    rng = random.Random(29)
    officers = [staff(Role.SPECIALIST, agencies[0], username=f"cv_{i}").pk for i in range(4)]
    steps = list(procedures[0].steps.all())
    dossiers = list(Dossier.objects.filter(received_at__isnull=False).order_by("id"))
    events = []
    for dossier in dossiers[: len(dossiers) // 2]:
        events += [
            DossierEvent(dossier=dossier, seq=1, at=dossier.received_at, action="receive"),
            *_random_events(rng, dossier, steps, officers, 2),
        ]
    DossierEvent.objects.bulk_create(events)  # many dossiers, several events each, one statement
    for dossier in dossiers[len(dossiers) // 2 :]:  # one event per statement, as transitions
        DossierEvent.objects.create(
            dossier=dossier, seq=1, at=dossier.received_at, action="receive"
        )
        for event in _random_events(rng, dossier, steps, officers, 2):
            event.save()
    for dossier in dossiers[::5]:  # later events on dossiers that have a window already
        DossierEvent.objects.bulk_create(_random_events(rng, dossier, steps, officers, 20))
    assert _windows_stored() == _window_recount()
    assert StepWindow.objects.exists()
    agencies_of = dict(Dossier.objects.values_list("id", "agency_id"))
    assert {w.dossier_id: w.agency_id for w in StepWindow.objects.all()} == {
        w.dossier_id: agencies_of[w.dossier_id] for w in StepWindow.objects.all()
    }

    now = timezone.now()
    ids = {a.pk for a in agencies}
    for period in [*PERIODS, Period(date(2025, 4, 7), date(2025, 4, 9))]:
        narrowed = steps_in_period(ids, period, now=now)
        walked = steps_in_period(ids, period, now=now, windows=False)
        key = [(s.dossier.pk, s.started_at, s.step.pk, s.worked, s.holder) for s in walked]
        assert [
            (s.dossier.pk, s.started_at, s.step.pk, s.worked, s.holder) for s in narrowed
        ] == key
        assert _officers(officer_lines(narrowed, now=now)) == _officers(
            officer_lines(walked, now=now)
        )
        # Nothing here went through a transition: every window is untimed and walked.
        assert _officers(_fast(ids, period, now=now)) == _officers(officer_lines(walked, now=now))


def _lifecycle_events(
    rng: random.Random, dossier: Dossier, steps, officers, start_seq: int, since=None
):
    """A random history the lifecycle could write after reception: moments always moving
    forward, a pause (suspension, supplement wait) or transfer always ended before the next
    step move, the workflow left at most once, nothing after the dossier finished or closed;
    sometimes still at a step at the end."""
    at, seq, found = since or dossier.received_at, start_seq, []

    def add(action: str, **payload) -> None:
        nonlocal at, seq
        at = at + timedelta(minutes=rng.randrange(1, 60 * 30))
        found.append(_event(dossier, seq, at, action, rng.choice(officers), payload))
        seq += 1

    for _ in range(rng.randrange(0, 7)):
        move = rng.choice(["enter", "enter", "pause", "supplement", "transfer", "leave"])
        if move == "enter":
            assignee = rng.choice([*officers, None])
            step = {"step": rng.choice(steps).position}
            add(rng.choice(ENTER), **step, **({"assignee_id": assignee} if assignee else {}))
        elif move == "pause":
            add("suspend")
            add("resume")
        elif move == "supplement":
            add("request_supplement")
            add("provide_supplement")
        elif move == "transfer":
            add("transfer")
            add("transfer_back")
        else:
            add(rng.choice(LEAVE))
            break
    end = dossier.finished_at or dossier.closed_at
    return [event for event in found if end is None or event.at <= end]  # no step after it


def test_stored_steps_and_the_walk_agree_on_lifecycle_histories(varied):
    """Untimed (written in bulk), timed (`steps_rebuild`), and timed then partly written
    again in bulk: `officer_lines_in_period` always gives what the walk over every dossier
    of the period gives."""
    agencies, procedures = varied
    rng = random.Random(31)
    officers = [staff(Role.SPECIALIST, agencies[1], username=f"cv_l{i}").pk for i in range(4)]
    steps = list(procedures[0].steps.all())
    dossiers = list(Dossier.objects.filter(received_at__isnull=False).order_by("id"))
    events = []
    for dossier in dossiers:
        events += [
            DossierEvent(dossier=dossier, seq=1, at=dossier.received_at, action="receive"),
            *_lifecycle_events(rng, dossier, steps, officers, 2),
        ]
    DossierEvent.objects.bulk_create(events)
    now = timezone.now()
    ids = {a.pk for a in agencies}

    def agree() -> None:
        for period in PERIODS:
            walked = steps_in_period(ids, period, now=now, windows=False)
            narrowed = steps_in_period(ids, period, now=now)
            assert [(x.dossier.pk, x.started_at, x.worked, x.holder) for x in narrowed] == [
                (x.dossier.pk, x.started_at, x.worked, x.holder) for x in walked
            ]
            assert _officers(_fast(ids, period, now=now)) == _officers(
                officer_lines(walked, now=now)
            )

    agree()
    assert steps_rebuild() == ClosedStep.objects.count() > 100
    # Every window is timed but those of the dossiers ended with a step still open (these
    # histories are written in bulk, outside the lifecycle): left to the walk.
    ended = Q(dossier__finished_at__isnull=False) | Q(dossier__closed_at__isnull=False)
    left = StepWindow.objects.filter(ended, left_at__isnull=True).values_list("dossier_id")
    untimed = StepWindow.objects.filter(timed_at__isnull=True).values_list("dossier_id")
    assert set(untimed) == set(left) != set()
    agree()
    more = []
    for dossier in dossiers[::7]:
        last = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
        more += _lifecycle_events(rng, dossier, steps, officers, last.seq + 1, since=last.at)
    DossierEvent.objects.bulk_create(more)  # as an import would: nothing times them
    assert StepWindow.objects.filter(timed_at__isnull=True).exists()
    agree()


def _officers(lines) -> list[tuple]:
    return [
        (line.officer, line.step_count, line.over_count, line.over_total, line.delayed_count)
        for line in lines
    ]


def _fast(ids: set[int], period: Period, *, now) -> list:
    """The lines as the pages read them, every line's overdue dossiers counted."""
    lines = officer_lines_in_period(ids, period, now=now)
    count_delayed(lines, ids, period, now=now)
    return lines


def _pages(items, size: int = 7) -> list[list[int]]:
    paginator = Paginator(items, size)
    return [[d.pk for d in paginator.page(n).object_list] for n in paginator.page_range] + [
        [paginator.count]
    ]


@pytest.mark.parametrize("key", ["on_time", "online_dossiers", "digitized", "e_results"])
def test_lost_dossier_pages_equal_the_queryset(varied, key):
    agencies, _procedures = varied
    counters_rebuild()
    spec = definition_for(PERIODS[0])
    # The default definition (index migration 0002) holds each of these dossier indicators.
    item = next(i for g in spec["groups"] for i in g["indicators"] if i["key"] == key)
    compared = 0
    for agency in agencies:
        scope = agency_scope([agency])
        for period in PERIODS:
            view = indicator_view(spec=spec, key=key, scope=scope, period=period)
            assert view is not None and view.kind == "dossiers", (key, period)
            expected = _pages(lost_dossiers(view, scope, period))
            assert _pages(LostDossierList(view, scope, period)) == expected, (key, period)
            compared += 1
    assert compared == len(agencies) * len(PERIODS)
    # Counters that promise more recent dossiers than there are, so a page's days fall short
    # of its rows: the pages are still the queryset's.
    DailyCounter.objects.filter(metric=item["denominator"], day__gte=date(2025, 11, 1)).update(
        value=F("value") + 3
    )
    scope = agency_scope([agencies[0]])
    view = indicator_view(spec=spec, key=key, scope=scope, period=PERIODS[0])
    assert view is not None
    listed = LostDossierList(view, scope, PERIODS[0])
    queryset = lost_dossiers(view, scope, PERIODS[0])
    for start in range(0, 60, 7):
        assert [d.pk for d in listed[start : start + 7]] == [
            d.pk for d in queryset[start : start + 7]
        ]


def test_on_time_page_reads_a_bounded_number_of_queries(varied, client: Client):
    agencies, _procedures = varied
    counters_rebuild()
    leader = staff(Role.LEADER, agencies[0], username="lanh_dao_ft")
    client.force_login(leader)
    url = f"/chi-so/chi-tieu/on_time/?agency={agencies[0].code}&from=2025-01-01&to=2025-12-31"
    counts = []
    for page in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}&page={page}")
        assert response.status_code == 200
        counts.append(len(queries))
        # No COUNT over the dossier table: the list's size is the counters'.
        assert not [q for q in queries if "COUNT(" in q["sql"] and "dossiers_dossier" in q["sql"]]
    assert counts[0] == counts[1]
