"""The demo's consultation portal: an open draft with a comment in every moderation state, a
closed one with every disposition in its summary, and a plan over three procedures."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from motcua.consultation.models import Comment, Draft, SimplificationPlan
from motcua.consultation.selectors import plan_figures
from motcua.core.worktime import TZ
from motcua.demo.consultation import COSTS, demo_consultation_load
from motcua.directory.models import Agency, Role
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)


def test_the_demo_has_both_drafts_every_state_and_a_plan(db, client):
    city = AgencyFactory(
        code="000.00.00.H46", name="UBND thành phố Huế", level=Agency.Level.PROVINCE
    )
    ward = AgencyFactory(code="000.50.01.H46", parent=city)
    for code, *_ in COSTS:
        ProcedureFactory(code=code, agencies=[ward])
    leader = staff(Role.LEADER, city, username="lanhdao")
    citizens = [CitizenFactory(), CitizenFactory()]

    draft = demo_consultation_load(now=NOW, actor=leader, citizens=citizens)
    again = demo_consultation_load(now=NOW, actor=leader, citizens=citizens)

    assert again.pk == draft.pk
    assert dict(Draft.objects.values_list("status").annotate(n=Count("id"))) == {
        "open": 1,
        "closed": 1,
    }
    open_states = set(
        Comment.objects.filter(section__draft=draft).values_list("state", "disposition")
    )
    assert open_states == {
        ("pending", ""),
        ("published", ""),
        ("published", "partly"),
        ("rejected", ""),
    }
    closed = Draft.objects.get(status="closed")
    assert set(
        Comment.objects.filter(section__draft=closed).values_list("disposition", flat=True)
    ) == {"accepted", "partly", "not_accepted"}
    assert "Không tiếp thu:" in client.get(f"/gop-y/du-thao/{closed.pk}/tong-hop/").content.decode()
    figures = plan_figures(SimplificationPlan.objects.get())
    assert len(figures.lines) == 3
    assert all(line.saving > 0 for line in figures.lines)
