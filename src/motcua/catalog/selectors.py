"""Catalog reads: search forgiving of diacritics and of the spellings people type, best match
first (domain.md §4), and the agencies a citizen can narrow the search to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from motcua.catalog.models import PG_SEARCH_VECTOR, SQLITE_SEARCH_TABLE, Procedure
from motcua.core.text import fold, search_fold
from motcua.directory.models import Agency

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# No name holds a longer word, so a longer query word finds nothing (and PostgreSQL refuses
# a lexeme over 2 KiB).
_LONGEST_WORD: int = Procedure._meta.get_field("name").max_length or 500


def procedure_hits(
    query: str = "",
    *,
    sector_id: int | None = None,
    level: str = "",
    agency_id: int | None = None,
    agency_code: str = "",
) -> QuerySet[Procedure]:
    """Procedures whose name has a word starting with each word of the query, best match
    first, as a lazy queryset: `count()` and a slice (a page) each run one query in the
    database, through its full-text index (`catalog_procedure_fts` in SQLite, a GIN index on
    the key's words in PostgreSQL — migration 0006).

    Name and query are compared by their `search_fold` key (`Procedure.name_folded`): no
    diacritics, `đ` as `d`, `kí` as `ký`, `qui` as `quy`. A query word matches the start of a
    word — `ket ho` finds `kết hôn` — but not its middle, so `y te` finds `y tế` without every
    name that holds `giấy` or `quyền`. A query word may also begin the procedure's code.

    Ranking: the whole query as the name or the code, then as the start of codes (in their
    order), then as the start of the name, then as a phrase, then by how little of the name is
    left over — so `dang ky khai sinh` puts `Đăng ký khai sinh` before `Đăng ký khai sinh kết
    hợp nhận cha, mẹ, con`; ties by name, then code.
    """
    # A list shows no e-form or legal basis: left out, the rows sorted are narrow.
    queryset: QuerySet[Procedure] = (
        Procedure.objects.filter(is_active=True)
        .select_related("sector")
        .defer("eform", "legal_basis")
    )
    if sector_id:
        queryset = queryset.filter(sector_id=sector_id)
    if level:
        queryset = queryset.filter(level=level)
    if agency_id:
        # One agency per filter, so the join cannot repeat a procedure.
        queryset = queryset.filter(agencies__id=agency_id)
    if agency_code:
        queryset = queryset.filter(agencies__code=agency_code)
    # Control characters (a NUL from `?q=%00`) are no text: PostgreSQL refuses a NUL in a
    # string, so they are read as spaces.
    query = _CONTROL.sub(" ", query).strip()
    folded = search_fold(query)
    words = folded.split()
    if not words:
        # Punctuation alone (`,`, `\\`) is a search for no word, not an empty search.
        return queryset.none() if query else queryset.order_by("name_folded", "code")
    if any(len(word) > _LONGEST_WORD for word in words):
        return queryset.none()
    queryset = queryset.filter(_matching(words, connections[queryset.db].vendor))

    def first(condition: Q) -> Case:
        return Case(When(condition, then=Value(0)), default=Value(1))

    code_start = Q(code__istartswith=folded)
    return queryset.alias(
        exact=first(Q(name_folded=folded) | Q(code__iexact=query)),
        code_start=first(code_start),
        code_order=Case(When(code_start, then=F("code")), default=Value("")),
        name_start=first(Q(name_folded__startswith=folded)),
        phrase=first(Q(name_folded__contains=folded)),
        length=Length("name_folded"),
    ).order_by(
        "exact", "code_start", "code_order", "name_start", "phrase", "length", "name_folded", "code"
    )


def _matching(words: list[str], vendor: str) -> Q | RawSQL:
    """Every word begins a word of the name or the code, answered by the full-text index.
    The query is passed as a parameter, each word quoted, so no character of it is syntax."""
    if vendor == "sqlite":
        # FTS5: a quoted string then `*` is a prefix of one token; AND needs all of them.
        match = " AND ".join('"' + word.replace('"', '""') + '"*' for word in words)
        return Q(
            pk__in=RawSQL(
                f"SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH %s",
                (match,),
            )
        )
    if vendor == "postgresql":
        # A tsquery literal: `'word':*` is a prefix of a lexeme, taken as written (no parser,
        # no dictionary), as the indexed lexemes are the key's words as written.
        tsquery = " & ".join(
            "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words
        )
        return RawSQL(f"{PG_SEARCH_VECTOR} @@ %s::tsquery", (tsquery,), BooleanField())
    # Another database has no index here: the same rule as LIKE, one per word.
    condition = Q()
    for word in words:
        condition &= (
            Q(name_folded__startswith=word)
            | Q(name_folded__contains=f" {word}")
            | Q(code__istartswith=word)
        )
    return condition


def procedure_search(
    query: str = "",
    *,
    sector_id: int | None = None,
    level: str = "",
    agency_id: int | None = None,
    agency_code: str = "",
) -> list[Procedure]:
    """Every hit of `procedure_hits`, best first. Pages and the API slice `procedure_hits`
    instead, so that only one page is read."""
    return list(
        procedure_hits(
            query, sector_id=sector_id, level=level, agency_id=agency_id, agency_code=agency_code
        )
    )


@dataclass(frozen=True)
class SearchPage:
    count: int  # every hit, not only this page's
    items: list[Procedure]


def _no_token() -> str | None:
    return None


# A token that changes, in the writing transaction, with every write to the procedures and
# their agencies — or None, and then nothing is cached. The index app sets it to its catalog
# stamp (`index.apps`), which database triggers move; the catalog, a layer below the index,
# cannot import it.
search_token: Callable[[], str | None] = _no_token


def procedure_search_page(
    query: str = "",
    *,
    limit: int,
    offset: int = 0,
    sector_id: int | None = None,
    level: str = "",
    agency_id: int | None = None,
    agency_code: str = "",
) -> SearchPage:
    """One page of `procedure_hits` and the number of all hits.

    The page's ids and the count are read together (`COUNT(*) OVER ()`, so the index is
    searched once) from narrow rows, then the page's procedures by id. A broad word such as
    `cấp` begins thousands of names and every hit is ranked before the page is cut, so the
    ids and the count are kept per process under `search_token()`: a search asked again
    costs the token and the page's rows until the catalog changes."""
    if agency_code:
        if agency_id is not None:
            raise ValueError("agency_id or agency_code, not both")
        # The code is resolved first: the agencies' codes are not under the token.
        agency_id = Agency.objects.filter(code=agency_code).values_list("pk", flat=True).first()
        if agency_id is None:
            return SearchPage(count=0, items=[])
    token = search_token()
    read = _page_ids if token is None else _page_ids_kept
    count, ids = read(token, query, sector_id, level, agency_id, limit, offset)
    if not ids:
        return SearchPage(count=count, items=[])
    rows = Procedure.objects.select_related("sector").defer("eform", "legal_basis").in_bulk(ids)
    # A procedure gone since the ids were kept (only in a transaction not yet committed: the
    # token moves with the delete) is left out rather than failing the page.
    return SearchPage(count=count, items=[rows[pk] for pk in ids if pk in rows])


def _page_ids(
    token: str | None,
    query: str,
    sector_id: int | None,
    level: str,
    agency_id: int | None,
    limit: int,
    offset: int,
) -> tuple[int, tuple[int, ...]]:
    hits = procedure_hits(query, sector_id=sector_id, level=level, agency_id=agency_id)
    page = hits.annotate(hits_total=Window(Count("*"))).values_list("pk", "hits_total")
    rows = list(page[offset : offset + limit])
    if rows:
        return rows[0][1], tuple(pk for pk, _total in rows)
    return (hits.count() if offset else 0), ()


# The token is in the key, so an entry is never stale, only unreachable; the oldest go first.
_page_ids_kept = lru_cache(maxsize=2048)(_page_ids)


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
