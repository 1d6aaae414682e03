"""The officer page (`/chi-so/can-bo/<id>/`) reads a page at a time and shows what the walk
over every dossier of the period shows.

- `officer_period` (stored steps summed and paged in SQL, the walked ones merged in) gives the
  facts, every page of the steps and every page of the delayed dossiers that
  `officer_lines(steps_in_period(…, windows=False, officer=…))` gives, ordered as the page
  ordered them before (over budget first, the most over first, then by start), for officers
  of two agencies, at each agency and at the province, on data with steps over and within
  budget, closed (stored) and still open, and dossiers never timed.
- The page shows the same on its second page of steps and of dossiers, each pager keeping
  the other list where it is; a leader of another agency is refused.

Runs on SQLite and, behind scripts/with-postgres.sh, on PostgreSQL.
"""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from motcua.catalog.models import WorkflowStep
from motcua.directory.models import Agency, Role
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index import views_drilldown
from motcua.index.drilldown import (
    OfficerLine,
    officer_lines,
    officer_period,
    steps_in_period,
)
from motcua.index.engine import Period
from motcua.index.models import ClosedStep, StepWindow
from motcua.index.steps import steps_rebuild
from tests.factories import AgencyFactory, staff
from tests.index.test_fact_tables import PERIODS, _lifecycle_events
from tests.index.test_fact_tables import varied as varied  # a fixture

pytestmark = pytest.mark.django_db

YEAR = PERIODS[0]  # 2025


def _row(segment) -> tuple:
    return (
        segment.dossier.pk,
        segment.dossier.code,
        segment.step.pk,
        segment.started_at,
        segment.ended_at,
        segment.worked,
        segment.paused,
        segment.budget,
        segment.holder.pk,
    )


def _reference(ids: set[int], period: Period, now, officer):
    """What the page showed before: every step walked, then sorted in Python."""
    segments = steps_in_period(ids, period, now=now, windows=False, officer=officer)
    lines = officer_lines(segments, now=now)
    line = lines[0] if lines else OfficerLine(officer)
    ordered = sorted(line.steps, key=lambda s: (not s.is_over, -s.over, s.started_at))
    return line, ordered, [d.pk for d in line.delayed_dossiers]


def _pages(items, size: int, row) -> list[list]:
    paginator = Paginator(items, size)
    return [[row(x) for x in paginator.page(n).object_list] for n in paginator.page_range]


@pytest.fixture
def province(varied):
    """`varied`'s three agencies under a province; four officers (two in each of the first
    two agencies) hold the steps of lifecycle histories written in bulk, then timed
    (`steps_rebuild`), then partly written again in bulk so that some dossiers are walked."""
    agencies, procedures = varied
    top = AgencyFactory(code="000.00.00.H99", name="UBND tỉnh thử nghiệm")
    Agency.objects.filter(pk__in=[a.pk for a in agencies]).update(parent=top)
    officers = [
        staff(Role.SPECIALIST, agencies[i // 2], username=f"cv_trang{i}", full_name=f"Cán bộ {i}")
        for i in range(4)
    ]
    rng = random.Random(41)
    steps = list(procedures[0].steps.all())
    ids = [o.pk for o in officers]
    dossiers = list(Dossier.objects.filter(received_at__isnull=False).order_by("id"))
    events = []
    for dossier in dossiers:
        events += [
            DossierEvent(dossier=dossier, seq=1, at=dossier.received_at, action="receive"),
            *_lifecycle_events(rng, dossier, steps, ids, 2),
        ]
    DossierEvent.objects.bulk_create(events)
    steps_rebuild()
    more = []
    for dossier in dossiers[::6]:
        last = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
        more += _lifecycle_events(rng, dossier, steps, ids, last.seq + 1, since=last.at)
    DossierEvent.objects.bulk_create(more)  # as an import would: nothing times them
    return top, agencies, officers


def test_the_officer_period_equals_the_walk_page_by_page(province):
    top, agencies, officers = province
    now = timezone.now()
    scopes = [{agencies[0].pk}, {agencies[1].pk}, {top.pk, *(a.pk for a in agencies)}]
    kinds = {"over": 0, "within": 0, "open": 0, "untimed": 0, "two pages": 0, "delayed": 0}
    untimed = set(StepWindow.objects.filter(timed_at__isnull=True).values_list("dossier_id"))
    untimed = {pk for (pk,) in untimed}
    for ids in scopes:
        for period in (*PERIODS[:4], Period(date(2025, 4, 7), date(2025, 4, 9))):
            for officer in officers:
                line, ordered, delayed = _reference(ids, period, now, officer)
                found = officer_period(ids, period, now=now, officer=officer)
                facts = (line.step_count, line.over_count, line.over_total, set(line.delayed))
                assert (
                    found.line.step_count,
                    found.line.over_count,
                    found.line.over_total,
                    set(found.line.delayed),
                ) == facts, (ids, period, officer)
                for size in (7, 50):
                    assert _pages(found.steps, size, _row) == _pages(ordered, size, _row)
                    assert _pages(found.delayed, size, lambda d: d.pk) == _pages(
                        delayed, size, lambda pk: pk
                    )
                kinds["over"] += sum(s.is_over for s in ordered)
                kinds["within"] += sum(s.budget is not None and not s.is_over for s in ordered)
                kinds["open"] += sum(s.is_open for s in ordered)
                kinds["untimed"] += sum(s.dossier.pk in untimed for s in ordered)
                kinds["two pages"] += len(ordered) > 50
                kinds["delayed"] += len(delayed) > 7
    # The data has each kind of step the page merges, and lists long enough to page.
    assert all(kinds.values()), kinds
    assert ClosedStep.objects.filter(holder_id__in=[o.pk for o in officers]).count() > 100


def test_a_step_taken_out_of_its_procedure_is_no_longer_counted(province):
    top, agencies, officers = province
    now = timezone.now()
    ids = {top.pk, *(a.pk for a in agencies)}
    officer = officers[0]
    stored = ClosedStep.objects.filter(holder_id=officer.pk)
    step_id = stored.values_list("step_id", flat=True).order_by("step_id").first()
    before = officer_period(ids, YEAR, now=now, officer=officer).line.step_count
    WorkflowStep.objects.filter(pk=step_id).delete()
    line, ordered, _delayed = _reference(ids, YEAR, now, officer)
    found = officer_period(ids, YEAR, now=now, officer=officer)
    assert found.line.step_count == line.step_count < before
    assert _pages(found.steps, 7, _row) == _pages(ordered, 7, _row)


def _codes(html: str, list_class: str) -> list[str]:
    if list_class == "delayed":
        block = html.split('<ul class="delayed">', 1)[1].split("</ul>", 1)[0]
    else:
        block = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a class="code" href="/chi-so/ho-so/([^/]+)/', block)


def test_the_page_shows_the_second_page_of_each_list(client, province, monkeypatch):
    top, agencies, officers = province
    monkeypatch.setattr(views_drilldown, "PAGE_SIZE", 20)  # the data's lists, on pages
    leader = staff(Role.LEADER, top, username="lanhdao_trang")
    client.force_login(leader)
    query = {"agency": top.code, "from": "2025-01-01", "to": "2025-12-31"}
    now = timezone.now()
    ids = {top.pk, *(a.pk for a in agencies)}
    officer = max(
        officers, key=lambda o: len(_reference(ids, YEAR, now, o)[2])
    )  # the one with the most delayed dossiers
    line, ordered, delayed = _reference(ids, YEAR, now, officer)
    assert len(ordered) > 40 and len(delayed) > 20  # two pages of each, at least
    codes = dict(Dossier.objects.filter(pk__in=delayed).values_list("pk", "code"))

    # The page times the open steps at its own moment: the reference's, so they agree.
    monkeypatch.setattr(timezone, "now", lambda: now)
    response = client.get(f"/chi-so/can-bo/{officer.pk}/", {**query, "page": 2, "tre": 2})
    assert response.status_code == 200
    html = response.content.decode()
    shown = response.context["line"]
    assert (shown.step_count, shown.over_count, shown.over_total) == (
        line.step_count,
        line.over_count,
        line.over_total,
    )
    assert f'data-testid="delayed">{len(delayed)}</b>' in html
    assert _codes(html, "steps") == [s.dossier.code for s in ordered[20:40]]
    assert [_row(s) for s in response.context["page"].object_list] == [
        _row(s) for s in ordered[20:40]
    ]
    assert _codes(html, "delayed") == [codes[pk] for pk in delayed[20:40]]
    # Each pager moves its own list and keeps the other on the page it shows.
    base = f"agency={top.code}&amp;from=2025-01-01&amp;to=2025-12-31"
    assert f'href="?{base}&amp;tre=2&amp;page=1#buoc"' in html
    assert f'href="?{base}&amp;page=2&amp;tre=1#tre"' in html

    first = client.get(f"/chi-so/can-bo/{officer.pk}/", query).content.decode()
    assert _codes(first, "delayed") == [codes[pk] for pk in delayed[:20]]
    assert f'href="?{base}&amp;page=2#buoc"' in first
    assert f'href="?{base}&amp;tre=2#tre"' in first
    # A page past the end shows the last one; a page that is no number, the first.
    last = client.get(f"/chi-so/can-bo/{officer.pk}/", {**query, "tre": 999, "page": "x"})
    assert [d.pk for d in last.context["delayed"].object_list] == delayed[
        (len(delayed) - 1) // 20 * 20 :
    ]
    assert [_row(s) for s in last.context["page"].object_list] == [_row(s) for s in ordered[:20]]


def test_a_leader_of_one_agency_cannot_read_the_province(client, province):
    top, agencies, officers = province
    client.force_login(staff(Role.LEADER, agencies[0], username="lanhdao_so"))
    query = {"agency": top.code, "from": "2025-01-01", "to": "2025-12-31", "tre": 2}
    response = client.get(f"/chi-so/can-bo/{officers[0].pk}/", query)
    assert response.status_code == 403
    assert "line" not in (response.context or {})
    own = client.get(f"/chi-so/can-bo/{officers[0].pk}/", {**query, "agency": agencies[0].code})
    assert own.status_code == 200
