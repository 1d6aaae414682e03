"""Catalog reads: search forgiving of diacritics and of the spellings people type, best match
first (domain.md §4), and the agencies a citizen can narrow the search to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections
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
    procedures, terms = _searched(
        query, sector_id=sector_id, level=level, agency_id=agency_id, agency_code=agency_code
    )
    if terms is None:
        return procedures
    return _ranked(procedures.filter(terms.matching()), terms)


@dataclass(frozen=True)
class _Terms:
    query: str  # as typed, control characters read as spaces, stripped
    folded: str  # its `search_fold` key
    vendor: str

    def matching(self, *, leads: bool = True) -> Q | RawSQL:
        """`leads=False`: the full-text index only checks the rows another index found; no
        plan is driven from it (`+id` in SQLite, `IS TRUE` in PostgreSQL)."""
        return _matching(self.folded.split(), self.vendor, leads=leads)

    @property
    def top(self) -> Q:
        """The best tiers: the whole query is the name or the code, or begins the code."""
        return (
            Q(name_folded=self.folded)
            | Q(code__iexact=self.query)
            | Q(code__istartswith=self.folded)
        )

    @property
    def name_start(self) -> Q:
        return Q(name_folded__startswith=self.folded)


def _searched(
    query: str,
    *,
    sector_id: int | None,
    level: str,
    agency_id: int | None,
    agency_code: str = "",
) -> tuple[QuerySet[Procedure], _Terms | None]:
    """The procedures `procedure_hits` searches (active, the filters) and the query's terms;
    or, with no terms, the hits themselves (every procedure in order, or none: no word)."""
    queryset = _procedures(
        sector_id=sector_id, level=level, agency_id=agency_id, agency_code=agency_code
    )
    # Control characters (a NUL from `?q=%00`) are no text: PostgreSQL refuses a NUL in a
    # string, so they are read as spaces.
    query = _CONTROL.sub(" ", query).strip()
    folded = search_fold(query)
    words = folded.split()
    if not words:
        # Punctuation alone (`,`, `\\`) is a search for no word, not an empty search.
        return (queryset.none() if query else queryset.order_by("name_folded", "code")), None
    if any(len(word) > _LONGEST_WORD for word in words):
        return queryset.none(), None
    return queryset, _Terms(query=query, folded=folded, vendor=connections[queryset.db].vendor)


def _procedures(
    *, sector_id: int | None, level: str, agency_id: int | None, agency_code: str = ""
) -> QuerySet[Procedure]:
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
    return queryset


def _ranked(matching: QuerySet[Procedure], terms: _Terms) -> QuerySet[Procedure]:
    return matching.order_by(*_rank_keys(terms))


def _rank_keys(terms: _Terms) -> list:
    def first(condition: Q) -> Case:
        return Case(When(condition, then=Value(0)), default=Value(1))

    code_start = Q(code__istartswith=terms.folded)
    return [
        first(Q(name_folded=terms.folded) | Q(code__iexact=terms.query)),  # the whole query
        first(code_start),
        Case(When(code_start, then=F("code")), default=Value("")),  # codes in their order
        first(terms.name_start),
        first(Q(name_folded__contains=terms.folded)),  # a phrase
        Length("name_folded"),
        F("name_folded"),
        F("code"),
    ]


def _sqlite_match(words: list[str]) -> str:
    # FTS5: a quoted string then `*` is a prefix of one token; AND needs all of them.
    return " AND ".join('"' + word.replace('"', '""') + '"*' for word in words)


# The rowids of the procedures whose words FTS5 matches with the one parameter.
_SQLITE_HITS = f"SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH %s"


def _pg_tsquery(words: list[str]) -> str:
    # A tsquery literal: `'word':*` is a prefix of a lexeme, taken as written (no parser, no
    # dictionary), as the indexed lexemes are the key's words as written.
    return " & ".join("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)


def _match_param(words: list[str], vendor: str) -> str:
    return _sqlite_match(words) if vendor == "sqlite" else _pg_tsquery(words)


def _matching(words: list[str], vendor: str, *, leads: bool = True) -> Q | RawSQL:
    """Every word begins a word of the name or the code, answered by the full-text index.
    The query is passed as a parameter, each word quoted, so no character of it is syntax."""
    if vendor == "sqlite":
        match = _sqlite_match(words)
        if not leads:
            return RawSQL(
                f'+"catalog_procedure"."id" IN ({_SQLITE_HITS})', (match,), BooleanField()
            )
        return Q(pk__in=RawSQL(_SQLITE_HITS, (match,)))
    if vendor == "postgresql":
        # `IS TRUE` (the same rows: the words are never null) is no condition GIN serves.
        sql = "{} @@ %s::tsquery" if leads else "({} @@ %s::tsquery) IS TRUE"
        return RawSQL(sql.format(PG_SEARCH_VECTOR), (_pg_tsquery(words),), BooleanField())
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

    The page's ids and the count are read in one statement from narrow rows
    (`_page_by_tiers`: from the best tiers when they fill the page, so a broad word such as
    `cấp` does not rank its thousands of hits), then the page's procedures by id. The ids and
    the count are kept per process under `search_token()`: a search asked again costs the
    token and the page's rows until the catalog changes."""
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
    procedures, terms = _searched(query, sector_id=sector_id, level=level, agency_id=agency_id)
    if terms is not None and limit > 0:
        return _page_by_tiers(procedures, terms, (sector_id, level, agency_id), limit, offset)
    page = procedures.annotate(hits_total=Window(Count("*"))).values_list("pk", "hits_total")
    rows = list(page[offset : offset + limit])
    if rows:
        return rows[0][1], tuple(pk for pk, _total in rows)
    return (procedures.count() if offset else 0), ()


# The filters of a page: sector, level, agency (`procedure_search_page`).
_Filters = tuple[int | None, str, int | None]


def _page_by_tiers(
    procedures: QuerySet[Procedure], terms: _Terms, filters: _Filters, limit: int, offset: int
) -> tuple[int, tuple[int, ...]]:
    """A page of the full ranking (`_ranked`) and the count of every hit, in one statement
    that ranks every hit only when the best tiers do not fill the page (`_tiers_sql`).

    The statement differs from one search to another only by its parameters, save for the
    filters present and the page's end: it is built once per those (`_tiers_statement`), as
    building it costs more than a narrow query's reading (about 2 ms of Python)."""
    end = offset + limit
    if terms.vendor in _BOUND_VENDORS:
        shape = (bool(filters[0]), bool(filters[1]), bool(filters[2]))
        statement = _tiers_statement(terms.vendor, shape, end)
        escape = connections[procedures.db].ops.prep_for_like_query
        sql, params = statement.sql, statement.bind(_bound(terms, filters, limit, offset), escape)
    else:
        sql, params = _tiers_sql(procedures, terms, end, limit, offset, any(filters))
    with connections[procedures.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids: dict[int, list[int]] = {0: [], 1: [], 2: []}
    for row in rows[:-1]:  # the last: the count
        ids[row[0]].append(row[-2])
    if len(ids[1]) == end:
        return rows[-1][-1], tuple((ids[0] + ids[1])[offset:end])
    if ids[2]:
        return rows[-2][-1], tuple(ids[2])
    # No page: as the window counts no row, the hits are counted apart if a page was asked
    # beyond the first (the first page of nothing has always been counted as none).
    return (procedures.filter(terms.matching()).count() if offset else 0), ()


def _tiers_sql(
    procedures: QuerySet[Procedure],
    terms: _Terms,
    end: int,
    limit: int,
    offset: int,
    filtered: bool,
) -> tuple[str, tuple]:
    """The statement of `_page_by_tiers` and its parameters.

    Ranking every hit costs five conditions a row, and a broad word (`cấp`, `đăng ký`) has
    thousands of hits, most of whose names begin with the query. The hits whose name or code
    is the query, or whose code begins with it (`_Terms.top`), come first; they are few, found
    by an index, and ranked in full. Next come the names that begin with the query: they share
    every key before the length (not the name, not the code, no code order, a start and so a
    phrase), so their order is length, name, code — a top-N read that an index serves
    (migration 0009). Every other hit ranks after both, so when these two tiers hold the page
    it is the full ranking's page (tests/catalog/test_search_tiers.py compares them). When
    they do not, the full ranking's part has a LIMIT above zero and is the page; otherwise
    its LIMIT is zero and the database never reads it."""
    keys = {f"rank_{i}": key for i, key in enumerate(_rank_keys(terms))}
    ranked = procedures.annotate(**keys).order_by(*keys)
    best = ranked.filter(terms.matching(leads=False)).filter(terms.top)
    top = best.values_list(*keys, "pk")[:end]
    begun = procedures.filter(terms.name_start).exclude(terms.top)
    if terms.vendor == "sqlite":
        # The same names as a range of the key, which the index serves (LIKE is without case
        # in SQLite, so it cannot); the key and the query are lower case, so no name is lost.
        begun = begun.filter(
            terms.matching(leads=False),
            name_folded__gte=terms.folded,
            name_folded__lt=_after(terms.folded),
        )
    elif terms.vendor != "postgresql":
        begun = begun.filter(terms.matching())
    # In PostgreSQL a key that begins with the query holds each of its words at the start of
    # one of its own (both are split on single spaces), which is the match: left unchecked,
    # the planner estimates the names begun well and walks them in order by index.
    names = (
        begun.annotate(length=Length("name_folded"))
        .order_by("length", "name_folded", "code")
        .values_list("length", "name_folded", "code", "pk")[:end]
    )
    everything = (
        ranked.filter(terms.matching())
        .annotate(hits_total=Window(Count("*")))
        .values_list(*keys, "pk", "hits_total")
    )
    top_sql, top_params = top.query.sql_with_params()
    names_sql, names_params = names.query.sql_with_params()
    all_sql, all_params = everything.query.sql_with_params()
    count_sql, count_params = _hits_count_sql(procedures, terms, filtered)
    ranks = ", ".join(keys)
    fewer = "(SELECT COUNT(*) FROM search_begun) < %s"
    sql = (
        f"WITH search_begun(length, name, code, pk) AS ({names_sql}) "
        f"SELECT 0, {ranks}, pk, CAST(NULL AS BIGINT) FROM ({top_sql}) search_top "
        # The names begun share the keys before the length (see above).
        "UNION ALL SELECT 1, 1, 1, '', 0, 0, length, name, code, pk, CAST(NULL AS BIGINT) "
        "FROM search_begun "
        # Every hit ranked, only when the names begun are fewer than the page needs.
        f"UNION ALL SELECT 2, {ranks}, pk, hits_total FROM ({all_sql} "
        f"LIMIT CASE WHEN {fewer} THEN %s ELSE 0 END OFFSET %s) search_all "
        f"UNION ALL SELECT 3, 0, 0, '', 0, 0, 0, '', '', 0, "
        f"CASE WHEN {fewer} THEN NULL ELSE ({count_sql}) END "
        "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
    )
    params = (
        *names_params,
        *top_params,
        *all_params,
        end,
        limit,
        offset,
        end,
        *count_params,
    )
    return sql, params


def _after(prefix: str) -> str:
    """The least string above every string that begins with `prefix` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _hits_count_sql(
    procedures: QuerySet[Procedure], terms: _Terms, filtered: bool
) -> tuple[str, tuple]:
    if terms.vendor != "sqlite" or filtered:
        hits = procedures.filter(terms.matching()).order_by().values("pk")
        sql, params = hits.query.sql_with_params()
        return f"SELECT COUNT(*) FROM ({sql}) search_hits", tuple(params)
    # Reading is_active for each of thousands of hits costs more than the rest of the page:
    # the full-text index counts its matches alone, less the inactive procedures among them
    # (a partial index, migration 0009).
    match = _sqlite_match(terms.folded.split())
    return (
        f"SELECT (SELECT count(*) FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} "
        f"MATCH %s) - (SELECT count(*) FROM catalog_procedure WHERE NOT is_active AND "
        f"+id IN ({_SQLITE_HITS}))",
        (match, match),
    )


# The databases whose statement has one form for every query (one parameter holds all the
# words); elsewhere each word is a condition of its own and the statement is built each time.
_BOUND_VENDORS = ("sqlite", "postgresql")


def _bound(terms: _Terms, filters: _Filters, limit: int, offset: int) -> dict[str, object]:
    """What a search binds to `_tiers_statement`'s parameters, by name: every parameter of
    `_tiers_sql` that is not the same for all searches is one of these or a LIKE pattern
    made of one."""
    sector_id, level, agency_id = filters
    return {
        "query": terms.query,
        "folded": terms.folded,
        "after": _after(terms.folded),
        "match": _match_param(terms.folded.split(), terms.vendor),
        "sector_id": sector_id,
        "level": level,
        "agency_id": agency_id,
        "limit": limit,
        "offset": offset,
    }


# Stand-ins that no search produces (a private-use character leads each text; the numbers
# are below zero), so that each parameter of the statement built from them tells which value
# it holds. The texts hold the characters LIKE escapes, so a pattern tells itself apart.
_STAND_IN = "\ue000"
_STAND_IN_TERMS = {"query": f"{_STAND_IN}Q%_\\", "folded": f"{_STAND_IN}f%_\\"}
_STAND_IN_FILTERS: _Filters = (-13_001, f"{_STAND_IN}level", -13_002)


@dataclass(frozen=True)
class _Statement:
    sql: str
    # Per parameter: ("same", value) for every search; ("value", name) a bound value;
    # ("like", name, pattern, stand-in) a LIKE pattern, the stand-in replaced by the value
    # escaped as the ORM escapes it.
    slots: tuple[tuple, ...]

    def bind(self, values: dict[str, object], escape: Callable[[str], str]) -> tuple:
        params: list[object] = []
        for slot in self.slots:
            if slot[0] == "same":
                params.append(slot[1])
            elif slot[0] == "value":
                params.append(values[slot[1]])
            else:
                _kind, name, pattern, stand_in = slot
                params.append(pattern.replace(stand_in, escape(str(values[name]))))
        return tuple(params)


@lru_cache(maxsize=256)
def _tiers_statement(vendor: str, shape: tuple[bool, bool, bool], end: int) -> _Statement:
    """`_tiers_sql` for every search with these filters present (sector, level, agency) and
    this end of page (a LIMIT the ORM writes in the text), built once from stand-ins."""
    filters: _Filters = (
        _STAND_IN_FILTERS[0] if shape[0] else None,
        _STAND_IN_FILTERS[1] if shape[1] else "",
        _STAND_IN_FILTERS[2] if shape[2] else None,
    )
    terms = _Terms(vendor=vendor, **_STAND_IN_TERMS)
    procedures = _procedures(sector_id=filters[0], level=filters[1], agency_id=filters[2])
    limit, offset = -13_003, -13_004
    sql, params = _tiers_sql(procedures, terms, end, limit, offset, any(shape))
    stand_ins = {
        name: value
        for name, value in _bound(terms, filters, limit, offset).items()
        if value not in (None, "")
    }
    escape = connections[DEFAULT_DB_ALIAS].ops.prep_for_like_query
    slots: list[tuple] = []
    for param in params:
        named = [n for n, v in stand_ins.items() if type(v) is type(param) and v == param]
        patterns = [
            (n, escape(v))
            for n, v in stand_ins.items()
            if isinstance(v, str) and isinstance(param, str) and escape(v) in param
        ]
        if named:
            slots.append(("value", named[0]))
        elif len(patterns) == 1 and param.count(patterns[0][1]) == 1:
            slots.append(("like", patterns[0][0], param, patterns[0][1]))
        elif (isinstance(param, str) and _STAND_IN in param) or param in stand_ins.values():
            # A stand-in changed in a way the slots do not know: a new lookup in `_tiers_sql`.
            raise ValueError(f"a parameter of the search statement not bound: {param!r}")
        else:
            slots.append(("same", param))
    return _Statement(sql=sql, slots=tuple(slots))


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
