"""Catalog reads: search forgiving of diacritics and of the spellings people type, best match
first (domain.md §4), and the agencies a citizen can narrow the search to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.catalog.models import Procedure
from motcua.core.text import fold, search_fold
from motcua.directory.models import Agency

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def procedure_search(
    query: str = "",
    *,
    sector_id: int | None = None,
    level: str = "",
    agency_id: int | None = None,
    agency_code: str = "",
) -> list[Procedure]:
    """Procedures whose name has a word starting with each word of the query, best match
    first. Name and query are compared by their `search_fold` key (`Procedure.name_folded`):
    no diacritics, `đ` as `d`, `kí` as `ký`, `qui` as `quy`. A query word matches the start
    of a word — `ket ho` finds `kết hôn` — but not its middle, so `y te` finds `y tế`
    without every name that holds `giấy` or `quyền`.

    Ranking: the whole query as the name, then as the start of the name, then as a phrase,
    then by how little of the name is left over — so `dang ky khai sinh` puts
    `Đăng ký khai sinh` before `Đăng ký khai sinh kết hợp nhận cha, mẹ, con`.
    """
    queryset: QuerySet[Procedure] = Procedure.objects.filter(is_active=True).select_related(
        "sector"
    )
    if sector_id:
        queryset = queryset.filter(sector_id=sector_id)
    if level:
        queryset = queryset.filter(level=level)
    if agency_id:
        queryset = queryset.filter(agencies__id=agency_id)
    if agency_code:
        # One agency per filter, so the join cannot repeat a procedure.
        queryset = queryset.filter(agencies__code=agency_code)
    # Control characters (a NUL from `?q=%00`) are no text: PostgreSQL refuses a NUL in a
    # string and SQLite's LIKE stops at it, so they are read as spaces.
    query = _CONTROL.sub(" ", query)
    folded = search_fold(query)
    words = folded.split()
    if not words:
        # Punctuation alone (`,`, `\\`) is a search for no word, not an empty search.
        return [] if query.strip() else list(queryset.order_by("name_folded"))
    condition = Q()
    for word in words:
        condition &= (
            Q(name_folded__startswith=word)
            | Q(name_folded__contains=f" {word}")
            | Q(code__startswith=word)
        )
    matches = list(queryset.filter(condition).distinct())

    def rank(procedure: Procedure) -> tuple:
        name = procedure.name_folded
        return (
            name != folded and procedure.code != query.strip(),
            not name.startswith(folded),
            folded not in name,
            len(name) - len(folded),
            name,
        )

    return sorted(matches, key=rank)


@dataclass(frozen=True)
class AgencyOption:
    code: str
    name: str
    depth: int  # below the group's root, for indenting
    handles: bool  # False: shown only to place its sub-agencies in the tree

    @property
    def label(self) -> str:
        # The group already sets the root's children apart; deeper levels are indented
        # with no-break spaces, the only indent a native <option> keeps.
        return "\u00a0\u00a0\u00a0" * max(self.depth - 1, 0) + self.name


@dataclass(frozen=True)
class AgencyGroup:
    label: str
    options: list[AgencyOption]


_LEVEL_ORDER = {
    Agency.Level.MINISTRY: 0,
    Agency.Level.PROVINCE: 1,
    Agency.Level.DEPARTMENT: 2,
    Agency.Level.COMMUNE: 3,
}


def agency_groups() -> list[AgencyGroup]:
    """The agencies that handle at least one active procedure, grouped under the root of
    their tree (the provincial People's Committee, a ministry) and indented by depth.

    One query, whatever the size of the tree: the whole directory is small (hundreds of
    rows) beside a walk up the parents per agency.
    """
    handling = Procedure.agencies.through.objects.filter(
        agency_id=OuterRef("pk"), procedure__is_active=True
    )
    rows = list(
        Agency.objects.annotate(handles=Exists(handling)).values_list(
            "pk", "parent_id", "code", "name", "level", "handles"
        )
    )
    children: dict[int | None, list[tuple]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda r: (_LEVEL_ORDER.get(r[4], 9), fold(r[3]), r[2]))

    # Walking down from the roots: agencies caught in a parent cycle (the database forbids
    # only an agency being its own parent) have no root and are left out, not looped over.
    def walk(row: tuple, depth: int) -> list[AgencyOption]:
        below = [option for child in children.get(row[0], []) for option in walk(child, depth + 1)]
        if not row[5] and not below:
            return []
        return [AgencyOption(code=row[2], name=row[3], depth=depth, handles=row[5]), *below]

    groups = []
    for root in children.get(None, []):
        options = walk(root, 0)
        if options:
            groups.append(AgencyGroup(label=root[3], options=options))
    return groups


def procedure_published(code: str) -> Procedure | None:
    """An active procedure by its code, with what its page shows (sector, documents, fees,
    agencies), or None."""
    # A NUL cannot be sent to PostgreSQL (it would be a 500); no code holds one anyway.
    if "\x00" in code:
        return None
    return (
        Procedure.objects.select_related("sector")
        .prefetch_related("documents", "fees", "agencies")
        .filter(code=code, is_active=True)
        .first()
    )
