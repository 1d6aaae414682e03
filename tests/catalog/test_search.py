"""Catalog search (domain.md §4): diacritics-insensitive, `đ` → `d`, the i/y spellings as one,
best match first."""

from __future__ import annotations

import pytest

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_search
from motcua.core.text import fold
from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory


@pytest.fixture
def civil_status(db):
    """Birth registrations in an order unrelated to how well they match."""
    sector = SectorFactory(name="Hộ tịch")
    for code, name in [
        ("1.004884", "Đăng ký lại khai sinh"),
        ("1.000689", "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"),
        ("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài"),
        ("1.001193", "Đăng ký khai sinh"),
        ("1.000894", "Đăng ký kết hôn"),
        ("1.099999", "Thủ tục liên quan đăng ký khai sinh"),
        ("1.000656", "Đăng ký khai tử"),
    ]:
        ProcedureFactory(code=code, name=name, sector=sector, level=Procedure.Level.COMMUNE)
    return sector


def codes(found: list[Procedure]) -> list[str]:
    return [p.code for p in found]


BIRTH_ORDER = [
    "1.001193",  # the whole query is the name
    "1.001695",  # starts with it, shorter
    "1.000689",  # starts with it, longer
    "1.099999",  # holds it as a phrase
    "1.004884",  # holds every word, not as a phrase
]


@pytest.mark.parametrize(
    "query",
    [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        "  dang   ky  khai  sinh ",
        "Dang Ky Khai Sinh",
        "đăng ky khai sinh",
    ],
)
def test_best_match_first_with_or_without_diacritics(civil_status, query):
    assert codes(procedure_search(query)) == BIRTH_ORDER


def test_decomposed_unicode_query_matches(civil_status):
    """A query typed with combining marks (NFD) folds like the precomposed one."""
    import unicodedata

    query = unicodedata.normalize("NFD", "Đăng ký khai sinh")

    assert codes(procedure_search(query)) == BIRTH_ORDER


def test_d_with_stroke_folds_to_d(civil_status):
    assert fold("Đăng ký đất đai") == "dang ky dat dai"
    # Words match inside longer words too ("tu" in "thu tuc"), so the phrase match ranks first.
    assert codes(procedure_search("khai tu")) == ["1.000656", "1.099999"]
    assert codes(procedure_search("đang ký khai tử")) == ["1.000656", "1.099999"]


def test_words_in_any_order(civil_status):
    assert codes(procedure_search("khai sinh lai")) == ["1.004884"]


def test_partial_words_match(civil_status):
    assert codes(procedure_search("ket ho")) == ["1.000894", "1.000689"]


def test_exact_code_comes_first(civil_status):
    assert codes(procedure_search("1.001193")) == ["1.001193"]
    assert codes(procedure_search("1.0016")) == ["1.001695"]


def test_no_match_is_empty(civil_status):
    assert procedure_search("giay phep xay dung") == []


def test_like_wildcards_are_literal(civil_status):
    assert procedure_search("%") == []
    assert procedure_search("_") == []


def test_punctuation_alone_finds_nothing(civil_status):
    assert procedure_search(",") == []
    assert procedure_search(" ( - ) ") == []


def test_empty_query_lists_every_active_procedure_by_name(civil_status):
    Procedure.objects.filter(code="1.000656").update(is_active=False)

    found = procedure_search("")

    assert [p.name for p in found] == [
        "Đăng ký kết hôn",
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
        "Đăng ký lại khai sinh",
        "Thủ tục liên quan đăng ký khai sinh",
    ]


def test_inactive_procedures_are_not_found(civil_status):
    Procedure.objects.filter(code="1.001193").update(is_active=False)

    assert "1.001193" not in codes(procedure_search("dang ky khai sinh"))


def test_filter_by_sector(civil_status):
    ProcedureFactory(
        code="2.000488",
        name="Đăng ký khai sinh cho lý lịch",
        sector=SectorFactory(name="Lý lịch tư pháp"),
    )

    found = procedure_search("khai sinh", sector_id=civil_status.pk)

    assert "2.000488" not in codes(found)
    assert len(found) == 5


def test_filter_by_level(civil_status):
    ProcedureFactory(code="2.000001", name="Đăng ký khai sinh cấp tỉnh", level="province")

    assert codes(procedure_search("khai sinh", level="province")) == ["2.000001"]
    assert len(procedure_search("khai sinh", level="commune")) == 5


def test_filter_by_agency(civil_status):
    ward, other = AgencyFactory(code="000.50.01.H46"), AgencyFactory(code="000.50.02.H46")
    Procedure.objects.get(code="1.001193").agencies.set([ward, other])
    Procedure.objects.get(code="1.004884").agencies.set([ward])
    Procedure.objects.get(code="1.000894").agencies.set([other])

    assert codes(procedure_search("khai sinh", agency_id=ward.pk)) == ["1.001193", "1.004884"]
    assert codes(procedure_search("", agency_id=ward.pk)) == ["1.001193", "1.004884"]


def test_name_folded_follows_a_renamed_procedure(civil_status):
    procedure = Procedure.objects.get(code="1.000894")
    procedure.name = "Đăng ký kết hôn lưu động"
    procedure.save(update_fields=["name"])

    assert Procedure.objects.get(code="1.000894").name_folded == "dang ki ket hon luu dong"
    assert codes(procedure_search("luu dong")) == ["1.000894"]


def test_search_is_one_query(civil_status, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = procedure_search("dang ky")
        sectors = {p.sector.name for p in found}

    assert sectors == {"Hộ tịch"}


def test_filter_by_agency_code_combines_with_the_query_and_the_level(civil_status):
    ward, other = AgencyFactory(code="000.50.01.H46"), AgencyFactory(code="000.50.02.H46")
    Procedure.objects.get(code="1.001193").agencies.set([ward, other])
    Procedure.objects.get(code="1.004884").agencies.set([ward])
    Procedure.objects.get(code="1.000894").agencies.set([ward])
    ProcedureFactory(code="2.000001", name="Đăng ký khai sinh cấp tỉnh", level="province")
    Procedure.objects.get(code="2.000001").agencies.set([ward])

    assert codes(procedure_search("khai sinh", agency_code="000.50.01.H46")) == [
        "1.001193",
        "1.004884",
        "2.000001",
    ]
    assert codes(procedure_search("khai sinh", agency_code="000.50.01.H46", level="commune")) == [
        "1.001193",
        "1.004884",
    ]
    assert codes(procedure_search("", agency_code="000.50.02.H46")) == ["1.001193"]
    assert procedure_search("", agency_code="000.99.99.H46") == []


@pytest.fixture
def spelling_variants(db):
    """Names written one way, searched for the other way people type them."""
    for code, name in [
        ("2.000488", "Cấp Phiếu lý lịch tư pháp"),
        ("2.000635", "Chứng thực chữ ký giấy tờ, văn bản"),
        ("1.001193", "Đăng ký khai sinh"),
        ("2.001045", "Cấp giấy phép kinh doanh"),
        ("1.004946", "Cấp thẻ bảo hiểm y tế"),
        ("1.003529", "Đăng ký hành nghề y tế tư nhân"),
        ("1.008950", "Đăng ký kinh tế trang trại"),
        ("1.002252", "Cấp giấy chứng nhận kinh tế hợp tác"),
        ("1.009710", "Phê duyệt quy hoạch chi tiết"),
        ("1.002012", "Cấp quyết định giao đất"),
        ("1.000775", "Tặng quà người có công dịp lễ"),
    ]:
        ProcedureFactory(code=code, name=name, sector=SectorFactory(name="Tư pháp"))


def test_i_and_y_spellings_find_each_other(spelling_variants):
    # The phrase "ký giấy" first; `ki` also begins `kinh`, so the names with `giấy` and
    # `kinh` follow, the shorter first.
    found = ["2.000635", "2.001045", "1.002252"]
    assert codes(procedure_search("ki giay")) == found
    assert codes(procedure_search("kí giấy")) == found
    assert codes(procedure_search("ký giấy")) == found
    assert codes(procedure_search("ly lich tu phap")) == ["2.000488"]
    assert codes(procedure_search("lí lịch tư pháp")) == ["2.000488"]
    assert codes(procedure_search("Cấp phiếu lí lịch")) == ["2.000488"]


def test_quy_and_qui_are_one_spelling_and_quy_still_begins_quyet(spelling_variants):
    assert codes(procedure_search("qui")) == ["1.002012", "1.009710"]
    assert codes(procedure_search("quy")) == ["1.002012", "1.009710"]
    assert codes(procedure_search("qui hoach")) == ["1.009710"]
    assert codes(procedure_search("quyet dinh")) == ["1.002012"]


def test_y_alone_is_not_i_and_matches_whole_words_only(spelling_variants):
    # Not `Đăng ký kinh tế…` (whose `ký` held a `y`), nor `giấy … kinh tế` (a `y` inside a word).
    assert codes(procedure_search("y te")) == ["1.004946", "1.003529"]
    assert codes(procedure_search("Y tế")) == ["1.004946", "1.003529"]
    assert procedure_search("i te") == []
    assert codes(procedure_search("kinh te")) == ["1.008950", "1.002252"]


def test_a_query_word_matches_the_start_of_a_word_not_its_middle(spelling_variants):
    # `qua` begins `quà` only; `ay` is only ever inside a word (`giấy`, `duyệt` has none).
    assert codes(procedure_search("qua")) == ["1.000775"]
    assert procedure_search("ay") == []
    assert codes(procedure_search("ho")) == ["1.009710", "1.002252"]


def test_punctuation_between_words_does_not_break_a_phrase(spelling_variants):
    assert Procedure.objects.get(code="2.000635").name_folded == "chung thuc chu ki giay to van ban"
    assert codes(procedure_search("giay to van ban")) == ["2.000635"]


def test_the_api_finds_a_spelling_variant_best_match_first(client, spelling_variants):
    body = client.get("/api/v1/procedures", {"q": "ki giay", "limit": 1}).json()

    assert body["count"] == 3
    assert [(i["code"], i["name"]) for i in body["items"]] == [
        ("2.000635", "Chứng thực chữ ký giấy tờ, văn bản")
    ]


def test_the_migration_rewrites_names_stored_under_the_old_key(spelling_variants):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("motcua.catalog.migrations.0005_procedure_name_search_key")
    Procedure.objects.update(name_folded="")
    Procedure.objects.filter(code="2.000488").update(name_folded="cap phieu ly lich tu phap")

    migration.forwards(apps, None)

    assert Procedure.objects.get(code="2.000488").name_folded == "cap phieu li lich tu phap"
    assert codes(procedure_search("lí lịch")) == ["2.000488"]
    migration.backwards(apps, None)
    assert Procedure.objects.get(code="2.000488").name_folded == "cap phieu ly lich tu phap"
