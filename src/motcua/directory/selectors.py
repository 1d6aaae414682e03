"""Who may see and act where (domain.md §1): roles are held in an agency; leaders also see the
agencies below theirs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from motcua.directory.models import Agency, Role, StaffRole, User


def agency_subtree_ids(agency_ids: set[int] | list[int]) -> set[int]:
    """The given agencies and every agency below them, one query per tree level."""
    found = set(agency_ids)
    frontier = set(agency_ids)
    while frontier:
        frontier = (
            set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        )
        found |= frontier
    return found


def user_roles(user: User | None) -> set[tuple[int, str]]:
    """(agency id, role) pairs the user holds, cached on the user object for one request."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_motcua_roles", None)
    if cached is None:
        cached = set(StaffRole.objects.filter(user=user).values_list("agency_id", "role"))
        user._motcua_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def user_has_role(user: User | None, role: str, agency_id: int | None) -> bool:
    return agency_id is not None and (agency_id, role) in user_roles(user)


def agencies_under_roles(user: User | None, roles: frozenset[str]) -> set[int]:
    """The agencies where the user holds one of `roles`, and every agency below them (all of
    them for a superuser); cached on the user object for one request, per set of roles."""
    if user is None or not user.is_authenticated:
        return set()
    cache: dict[frozenset[str], set[int]] = user.__dict__.setdefault("_motcua_under_roles", {})
    if roles not in cache:
        if user.is_superuser:
            cache[roles] = set(Agency.objects.values_list("id", flat=True))
        else:
            top = {agency for agency, role in user_roles(user) if role in roles}
            cache[roles] = agency_subtree_ids(top) if top else set()
    return cache[roles]


def user_readable_agency_ids(user: User | None) -> set[int]:
    """Agencies whose dossiers the user may read: where they hold any staff role, and below
    the agencies where they are a leader."""
    roles = user_roles(user)
    direct = {agency for agency, _ in roles}
    led = {agency for agency, role in roles if role == Role.LEADER}
    return direct | (agency_subtree_ids(led) if led else set())


def agencies_by_code() -> dict[str, Agency]:
    return {a.code: a for a in Agency.objects.all()}


def agency_tree(root: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(id__in=agency_subtree_ids([root.id]))


# ---------------------------------------------------------------- merged agencies


@dataclass(frozen=True)
class Segment:
    """Days `first`–`last` (inclusive) over which the figures of `agency_ids` count under the
    scope's roots."""

    first: date
    last: date
    agency_ids: frozenset[int]


@dataclass(frozen=True)
class AgencyScope:
    """Whose figures count under some agencies, day by day — the one reading rule of merged
    agencies (the 2025 reorganisation, domain.md §3).

    An agency merged into another on `merged_on` keeps its history: on a day before
    `merged_on` its figures are its own and roll up its parent links as before; from that day
    they are its successor's (and roll up the successor's parents; a chain of mergers is
    followed). So a period that ends before the merger reads as it always did, one that starts
    on or after it shows the merged agency's figures under the successor, and one spanning
    the day is split there. Without any merger there is one segment: the subtree."""

    roots: frozenset[int]
    parents: dict[int, int | None]  # every agency found: by parent links or merged into one
    merges: dict[int, tuple[int, date]]  # agency → (successor, merged on)

    def owner(self, agency_id: int, day: date) -> int:
        """The agency whose figures `agency_id`'s are on `day` (itself unless merged)."""
        seen = 0
        while agency_id in self.merges and self.merges[agency_id][1] <= day and seen < 64:
            agency_id, seen = self.merges[agency_id][0], seen + 1
        return agency_id

    def tree(self) -> set[int]:
        """The roots and every agency below them by parent links."""
        children: dict[int, list[int]] = defaultdict(list)
        for agency_id, parent_id in self.parents.items():
            if parent_id is not None:
                children[parent_id].append(agency_id)
        found, stack = set(), [r for r in self.roots if r in self.parents]
        while stack:
            agency_id = stack.pop()
            if agency_id not in found:
                found.add(agency_id)
                stack.extend(children.get(agency_id, ()))
        return found

    def ids_on(self, day: date) -> frozenset[int]:
        """The agencies whose figures of `day` count under the roots."""
        tree = self.tree()
        return frozenset(a for a in self.parents if self.owner(a, day) in tree)

    def segments(self, first: date, last: date) -> list[Segment]:
        """`first`–`last` cut at every merger day inside it, each piece with its agencies."""
        cuts = sorted({on for _successor, on in self.merges.values() if first < on <= last})
        starts = [first, *cuts]
        ends = [*(cut - timedelta(days=1) for cut in cuts), last]
        return [Segment(s, e, self.ids_on(s)) for s, e in zip(starts, ends, strict=True)]

    @property
    def ids(self) -> frozenset[int]:
        """Every agency found (whose figures count under the roots on some day)."""
        return frozenset(self.parents)

    def listed(self, first: date) -> set[int]:
        """The agencies of the tree shown on their own for a period starting on `first`:
        those merged on or before it are not (their figures are their successor's)."""
        return {a for a in self.tree() if a not in self.merges or self.merges[a][1] > first}


def agency_scope(roots: Sequence[Agency]) -> AgencyScope:
    """The roots, every agency below them and every agency merged into one of those: one
    query per level of the tree, as `agency_subtree_ids`."""
    parents: dict[int, int | None] = {a.pk: a.parent_id for a in roots}
    merges: dict[int, tuple[int, date]] = {
        a.pk: (a.merged_into_id, a.merged_on)
        for a in roots
        if a.merged_into_id is not None and a.merged_on is not None
    }
    frontier = set(parents)
    while frontier:
        rows = Agency.objects.filter(
            Q(parent_id__in=frontier) | Q(merged_into_id__in=frontier)
        ).values_list("id", "parent_id", "merged_into_id", "merged_on")
        frontier = set()
        for agency_id, parent_id, successor_id, merged_on in rows:
            if agency_id in parents:
                continue
            parents[agency_id] = parent_id
            frontier.add(agency_id)
            if successor_id is not None and merged_on is not None:
                merges[agency_id] = (successor_id, merged_on)
    return AgencyScope(frozenset(a.pk for a in roots), parents, merges)
