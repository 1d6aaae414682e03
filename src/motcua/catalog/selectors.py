"""Catalog reads: diacritic-insensitive search, best match first (domain.md §4)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from motcua.catalog.models import Procedure
from motcua.core.text import fold

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def procedure_search(
    query: str = "",
    *,
    sector_id: int | None = None,
    level: str = "",
    agency_id: int | None = None,
) -> list[Procedure]:
    """Procedures whose folded name holds every word of the query, best match first.

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
    # Control characters (a NUL from `?q=%00`) are no text: PostgreSQL refuses a NUL in a
    # string and SQLite's LIKE stops at it, so they are read as spaces.
    query = _CONTROL.sub(" ", query)
    folded = fold(query)
    words = folded.split()
    if not words:
        return list(queryset.order_by("name_folded"))
    condition = Q()
    for word in words:
        condition &= Q(name_folded__contains=word) | Q(code__startswith=word)
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
