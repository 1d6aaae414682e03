"""The reads of the consultation portal: what the public sees of drafts (only published
comments), the summary after close, the search over drafts, and a plan's lines with their
savings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from motcua.consultation.cost import CostParams
from motcua.consultation.models import Comment, Draft, Section, SimplificationPlan
from motcua.core.text import search_fold

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LONGEST_WORD = 100


def public_drafts() -> QuerySet[Draft]:
    """Published drafts, open or closed — never one still being prepared."""
    return Draft.objects.exclude(status=Draft.Status.DRAFT).select_related("agency")


def draft_with_public_comments(draft: Draft) -> list[Section]:
    """The sections in order, each with `public` — its published comments, oldest first."""
    published = Comment.objects.filter(state=Comment.State.PUBLISHED).order_by("created_at", "pk")
    return list(
        draft.sections.order_by("position").prefetch_related(
            Prefetch("comments", queryset=published, to_attr="public")
        )
    )


def draft_with_all_comments(draft: Draft) -> list[Section]:
    """For the agency: every comment of each section, the contact included."""
    every = Comment.objects.select_related("author").order_by("created_at", "pk")
    return list(
        draft.sections.order_by("position").prefetch_related(
            Prefetch("comments", queryset=every, to_attr="every")
        )
    )


@dataclass
class SummaryLine:
    section: Section
    received: int  # every comment sent, moderated away or not
    published: int
    by_disposition: dict[str, int] = field(default_factory=dict)


def summary_lines(draft: Draft) -> list[SummaryLine]:
    """Per section: comments received and published, and how many of each disposition; one
    query for the counts."""
    counts = (
        Section.objects.filter(draft=draft)
        .order_by("position")
        .annotate(
            received=Count("comments"),
            published=Count("comments", filter=Q(comments__state=Comment.State.PUBLISHED)),
            **{
                f"d_{value}": Count("comments", filter=Q(comments__disposition=value))
                for value in Comment.Disposition.values
            },
        )
    )
    return [
        SummaryLine(
            section=section,
            received=section.received,  # type: ignore[attr-defined]
            published=section.published,  # type: ignore[attr-defined]
            by_disposition={
                value: getattr(section, f"d_{value}") for value in Comment.Disposition.values
            },
        )
        for section in counts
    ]


def draft_hits(query: str) -> QuerySet[Draft]:
    """Published drafts whose title or a section has a word starting with each word of the
    query, compared by `core.text.search_fold` as the catalog's search is (`kí`/`ký`,
    diacritics, `đ`); a title match first, then the newest."""
    query = _CONTROL.sub(" ", query or "").strip()
    words = search_fold(query).split()
    drafts = public_drafts()
    if not words or any(len(word) > _LONGEST_WORD for word in words):
        return drafts.none() if query else drafts
    condition = Q()
    for word in words:
        condition &= Q(search_key__contains=f" {word}")
    return drafts.filter(condition).order_by("-published_at", "-pk")


@dataclass(frozen=True)
class PlanLine:
    code: str
    name: str
    measure: str
    before: CostParams
    after: CostParams

    @property
    def saving(self) -> int:
        return self.before.per_year - self.after.per_year


@dataclass(frozen=True)
class PlanFigures:
    lines: list[PlanLine]

    @property
    def before(self) -> int:
        return sum(line.before.per_year for line in self.lines)

    @property
    def after(self) -> int:
        return sum(line.after.per_year for line in self.lines)

    @property
    def saving(self) -> int:
        return self.before - self.after

    @property
    def percent(self) -> str:
        """The share of the cost saved, `42,50 %` (two decimals, Vietnamese comma)."""
        if not self.before:
            return "0,00 %"
        return f"{self.saving * 100 / self.before:.2f} %".replace(".", ",")


def plan_figures(plan: SimplificationPlan) -> PlanFigures:
    return PlanFigures(
        lines=[
            PlanLine(
                code=item.procedure.code,
                name=item.procedure.name,
                measure=item.measure,
                before=CostParams.from_json(item.before),
                after=CostParams.from_json(item.after),
            )
            for item in plan.items.select_related("procedure").order_by("pk")
        ]
    )
