"""Catalog search through the database's full-text index (SQLite FTS5, PostgreSQL GIN over a
tsvector): best match first, one page at a time, and an index that follows every write."""

from __future__ import annotations

import pytest
from django.db import connection

from motcua.catalog.models import SQLITE_SEARCH_TABLE, Procedure
from motcua.catalog.selectors import (
    SearchPage,
    procedure_hits,
    procedure_search,
    procedure_search_page,
)
from motcua.catalog.services import catalog_import
from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory, UserFactory

URL = "/api/v1/procedures"


def codes(found) -> list[str]:
    return [p.code for p in found]


@pytest.fixture
def ranked(db):
    """One procedure per rank, created in an order unrelated to it, across two sectors."""
    civil, land = SectorFactory(name="Hộ tịch"), SectorFactory(name="Đất đai")
    for code, name, sector in [
        ("1.000006", "Cấp bản sao trích lục hộ tịch", civil),  # `hộ tịch` as a phrase
        ("1.000004", "Hộ tịch lưu động cấp xã", civil),  # starts with the query, longer
        ("1.000005", "Cấp lại hộ tịch", civil),  # a phrase, shorter than 1.000006
        ("1.000007", "Tịch thu, hỗ trợ hồ sơ", land),  # every word, not as a phrase
        ("1.000003", "Hộ tịch cấp xã", civil),  # starts with it, shorter
        ("1.000002", "Hộ tịch", civil),  # the whole query is the name
        ("1.000008", "Chứng thực hợp đồng", land),  # `hợp` begins with `ho`, nothing with `tich`
        ("1.000009", "Thịt chó", land),  # `cho` holds `ho`, but does not begin with it
    ]:
        ProcedureFactory(code=code, name=name, sector=sector)
    return civil, land


HO_TICH = ["1.000002", "1.000003", "1.000004", "1.000005", "1.000006", "1.000007"]


def test_ranking_on_this_database(ranked):
    assert codes(procedure_search("ho tich")) == HO_TICH
    assert codes(procedure_search("Hộ tịch")) == HO_TICH
    # Words in any order: `tich ho` is in no name as a phrase, so the shortest names first.
    assert codes(procedure_search("tich ho")) == [
        "1.000002",
        "1.000003",
        "1.000005",
        "1.000007",
        "1.000004",
        "1.000006",
    ]


def test_the_code_comes_first(ranked):
    ProcedureFactory(code="2.000010", name="Cấp giấy phép 1.000002 cũ")

    # The exact code, then the name that holds it as a word.
    assert codes(procedure_search("1.000002")) == ["1.000002", "2.000010"]
    # Codes that begin with the query first, in their order, then the name that holds it.
    assert codes(procedure_search("1.00000")) == [
        "1.000002",
        "1.000003",
        "1.000004",
        "1.000005",
        "1.000006",
        "1.000007",
        "1.000008",
        "1.000009",
        "2.000010",
    ]


def test_pages_follow_the_ranking_and_count_every_hit(ranked):
    pages = [procedure_search_page("ho tich", limit=4, offset=offset) for offset in (0, 4, 8)]

    assert [(p.count, codes(p.items)) for p in pages] == [
        (6, HO_TICH[:4]),
        (6, HO_TICH[4:]),
        (6, []),
    ]


def test_a_page_with_filters_counts_only_the_filtered_hits(ranked):
    _civil, land = ranked

    page = procedure_search_page("ho", sector_id=land.pk, limit=1)

    # `hỗ`/`hồ` and `hợp` begin with `ho`; the civil-status names are in the other sector.
    assert (page.count, codes(page.items)) == (2, ["1.000008"])


def test_a_page_of_the_empty_query_lists_by_name(ranked):
    page = procedure_search_page("", limit=3, offset=2)

    assert page.count == 8
    assert [p.name for p in page.items] == [
        "Chứng thực hợp đồng",
        "Hộ tịch",
        "Hộ tịch cấp xã",
    ]


def test_a_page_is_read_by_narrow_rows_then_kept_until_the_catalog_changes(
    ranked, django_assert_num_queries
):
    # The catalog's stamp, the page's ids with the count, the page's procedures.
    with django_assert_num_queries(3):
        page = procedure_search_page("ho tich", limit=2)
        sectors = {p.sector.name for p in page.items}
    assert (page.count, sectors) == (6, {"Hộ tịch"})

    # Asked again: the ids and the count are kept under the stamp.
    with django_assert_num_queries(2):
        again = procedure_search_page("ho tich", limit=2)
    assert (again.count, codes(again.items)) == (6, HO_TICH[:2])

    # Any write to the procedures moves the stamp in its transaction: never a stale page.
    Procedure.objects.filter(code="1.000002").update(name="Hộ khẩu", name_folded="ho khau")
    with django_assert_num_queries(3):
        after = procedure_search_page("ho tich", limit=2)
    assert (after.count, codes(after.items)) == (5, ["1.000003", "1.000004"])


def test_a_kept_page_follows_an_agency_added_or_removed(ranked):
    ward = AgencyFactory(code="000.50.02.H46")
    assert procedure_search_page("ho tich", agency_code=ward.code, limit=10).count == 0

    Procedure.objects.get(code="1.000003").agencies.add(ward)
    assert codes(procedure_search_page("ho tich", agency_code=ward.code, limit=10).items) == [
        "1.000003"
    ]

    Procedure.objects.get(code="1.000003").agencies.remove(ward)
    assert procedure_search_page("ho tich", agency_code=ward.code, limit=10).count == 0


def test_an_unknown_agency_code_finds_nothing(ranked):
    assert procedure_search_page("ho tich", agency_code="000.99.99.H46", limit=10) == (
        SearchPage(count=0, items=[])
    )


def test_the_api_pages_with_offset(client, ranked):
    first = client.get(URL, {"q": "ho tich", "limit": 4}).json()
    second = client.get(URL, {"q": "ho tich", "limit": 4, "offset": 4}).json()
    beyond = client.get(URL, {"q": "ho tich", "limit": 4, "offset": 40}).json()

    assert (first["count"], [i["code"] for i in first["items"]]) == (6, HO_TICH[:4])
    assert (second["count"], [i["code"] for i in second["items"]]) == (6, HO_TICH[4:])
    assert beyond == {"count": 6, "items": []}


@pytest.mark.parametrize("offset", ["-1", "1000001", "abc", "99999999999999999999999"])
def test_the_api_refuses_a_bad_offset(client, ranked, offset):
    response = client.get(URL, {"q": "ho tich", "offset": offset})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "offset" in body["fields"]


def test_the_home_page_shows_one_page_and_a_pager_that_keeps_the_search(client, ranked):
    civil, _land = ranked
    for n in range(23):
        ProcedureFactory(code=f"3.{n:06d}", name=f"Đăng ký hộ tịch mẫu {n:02d}", sector=civil)

    first = client.get("/", {"q": "ho tich", "sector": civil.pk})
    second = client.get("/", {"q": "ho tich", "sector": civil.pk, "trang": "2"})
    past = client.get("/", {"q": "ho tich", "sector": civil.pk, "trang": "9"})

    assert first.context["page"].paginator.count == 28
    # The sample names hold `hộ tịch` as a phrase and are shorter than 1.000006's.
    assert codes(first.context["procedures"])[:6] == [*HO_TICH[:4], "3.000000", "3.000001"]
    assert len(first.context["procedures"]) == 20
    text = first.content.decode()
    assert "28 thủ tục · trang 1/2" in text
    assert f'href="?q=ho+tich&amp;sector={civil.pk}&amp;trang=2"' in text
    assert len(second.context["procedures"]) == 8
    assert second.context["page"].number == 2
    assert f'href="?q=ho+tich&amp;sector={civil.pk}&amp;trang=1"' in second.content.decode()
    assert codes(past.context["procedures"]) == codes(second.context["procedures"])


@pytest.mark.parametrize("page", ["0", "-1", "abc", "²", "9" * 40])
def test_a_bad_page_number_is_the_first_page(client, ranked, page):
    response = client.get("/", {"q": "ho tich", "trang": page})

    assert response.status_code == 200
    assert codes(response.context["procedures"]) == HO_TICH


# --- the index follows every write -----------------------------------------------------------


def _catalog(names: dict[str, str]) -> dict:
    return {
        "agencies": [
            {"code": "000.00.11.H46", "name": "Sở Tư pháp", "level": "department", "parent": None}
        ],
        "procedures": [
            {
                "code": code,
                "name": name,
                "sector": "Hộ tịch",
                "level": "province",
                "agencies": ["000.00.11.H46"],
            }
            for code, name in names.items()
        ],
    }


def _index_consistent() -> bool:
    if connection.vendor != "sqlite":
        return True  # an expression index cannot drift from its table
    with connection.cursor() as cursor:
        # Compares every indexed word with the rows of `catalog_procedure`; raises if not.
        cursor.execute(
            f"INSERT INTO {SQLITE_SEARCH_TABLE}({SQLITE_SEARCH_TABLE}, rank) "
            "VALUES ('integrity-check', 1)"
        )
    return True


def test_the_index_follows_import_update_and_delete(db):
    actor = UserFactory(is_superuser=True)

    catalog_import(actor=actor, data=_catalog({"5.000001": "Cấp phiếu lý lịch tư pháp"}))
    assert codes(procedure_search("li lich")) == ["5.000001"]

    catalog_import(
        actor=actor,
        data=_catalog({"5.000001": "Cấp giấy xác nhận cư trú", "5.000002": "Lý lịch tư pháp"}),
    )
    assert codes(procedure_search("li lich")) == ["5.000002"]
    assert codes(procedure_search("cu tru")) == ["5.000001"]

    renamed = Procedure.objects.get(code="5.000002")
    renamed.name = "Đăng ký thường trú"
    renamed.save()
    Procedure.objects.filter(code="5.000001").update(code="5.000009")
    assert procedure_search("li lich") == []
    assert codes(procedure_search("thuong tru")) == ["5.000002"]
    assert codes(procedure_search("5.000009")) == ["5.000009"]
    assert procedure_search("5.000001") == []

    Procedure.objects.filter(code="5.000009").delete()
    assert procedure_search("cu tru") == []
    assert procedure_search("5.000009") == []
    assert _index_consistent()


def test_the_index_is_in_every_fresh_database(db):
    """Built by migration 0006; a later migration that rebuilds the table in SQLite would drop
    its triggers, and this fails until that migration builds them again."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'catalog_procedure' AND name LIKE '%fts%' ORDER BY name"
            )
            triggers = [row[0] for row in cursor.fetchall()]
        assert triggers == [
            "catalog_procedure_fts_delete",
            "catalog_procedure_fts_insert",
            "catalog_procedure_fts_update",
        ]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_procedure_search'"
            )
            assert "gin" in cursor.fetchone()[0]
            # Migration 0010: a search reads the whole pending list of new entries.
            cursor.execute(
                "SELECT reloptions FROM pg_class WHERE relname = 'catalog_procedure_search'"
            )
            assert cursor.fetchone()[0] == ["gin_pending_list_limit=64"]


def test_the_search_uses_the_index(ranked):
    hits = procedure_hits("ho tich")
    if connection.vendor == "sqlite":
        plan = hits.explain()
        assert "VIRTUAL TABLE INDEX" in plan and SQLITE_SEARCH_TABLE in plan
    else:
        with connection.cursor() as cursor:
            # Eight rows would be scanned anyway; forbid it to see that the index can answer.
            # A plain index scan of another index (the primary key, read whole) is forbidden
            # too: over eight rows its cost ties with the search index's, and which one the
            # planner takes then depends on the table's statistics at that moment.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            plan = hits.explain()
        assert "catalog_procedure_search" in plan


def test_agencies_filter_through_the_index_too(ranked):
    ward = AgencyFactory(code="000.50.01.H46")
    Procedure.objects.get(code="1.000005").agencies.set([ward])
    Procedure.objects.get(code="1.000002").agencies.set([ward])

    page = procedure_search_page("ho tich", agency_code=ward.code, limit=10)

    assert (page.count, codes(page.items)) == (2, ["1.000002", "1.000005"])
