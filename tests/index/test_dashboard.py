"""The leaders' index pages (dashboard, ranking) and the public index page.

The scores are built from hand-written daily counters (the index's source, §7) on
10/03/2026, read over March 2026; the procedures, publications and petitions are absent, so
their indicators are not applicable and score their full max (30 points in all).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.cache import cache

from motcua.core.worktime import TZ
from motcua.counters.services import counters_apply
from motcua.demo.services import demo_load
from motcua.directory.models import Agency, Role, User
from motcua.dossiers.models import Dossier, State
from motcua.index.charts import Bar, bar_chart, number_vi, percent_vi
from tests.factories import AgencyFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the public page caches its scores for a few minutes
    yield
    cache.clear()


def counters(agency: Agency, **values: int) -> None:
    counters_apply({(agency.pk, DAY, metric): value for metric, value in values.items()})


@pytest.fixture
def hue(db):
    """One agency whose March 2026 totals 73,40 (Khá):
    synced 10/10 → 6 · on_time 8/10 → 16 · online_dossiers 5/10 → 4 · paid_online 1/5 → 2 ·
    satisfied 3/5 (full at 0,9) → 4 · e_results 5/10 → 4 · results_to_store 5/5 → 4 ·
    digitized 5/10 → 2 · reused 4/10 (full at 0,8) → 1 · registry_dossiers 2/10 → 0,4;
    plus 30 points of indicators with nothing to judge."""
    agency = AgencyFactory(code="000.00.20.H99", name="Sở Khoa học thử nghiệm")
    counters(
        agency,
        received=10,
        received_online=3,
        synced=10,
        finished=10,
        finished_on_time=8,
        received_online_offer=10,
        received_online_offer_online=5,
        with_fee=5,
        with_fee_paid_online=1,
        rated=5,
        rated_satisfied=3,
        e_result=5,
        e_result_to_store=5,
        digitized=5,
        reused=4,
        registry_used=2,
    )
    return agency


@pytest.fixture
def hue_leader(hue):
    return staff(Role.LEADER, hue, username="lanhdao_so_khcn")


@pytest.fixture
def tree(db):
    """A city with two departments and a commune below the first:
    - Sở A: 10 finished, all on time; its commune C: 10 finished, none on time →
      rolled up: progress 10, digitization 14 (no e-results), total 82;
    - Sở B: 10 finished, 5 on time, all with an e-result sent to the store →
      progress 10, digitization 22, total 90;
    - xã C: progress 0, digitization 14, total 72."""
    city = AgencyFactory(
        code="000.00.00.H99", name="UBND thành phố thử nghiệm", level=Agency.Level.PROVINCE
    )
    a = AgencyFactory(code="000.00.11.H99", name="Sở A thử nghiệm", parent=city)
    b = AgencyFactory(code="000.00.12.H99", name="Sở B thử nghiệm", parent=city)
    c = AgencyFactory(
        code="000.50.01.H99", name="Xã C thử nghiệm", parent=a, level=Agency.Level.COMMUNE
    )
    counters(a, finished=10, finished_on_time=10)
    counters(b, finished=10, finished_on_time=5, e_result=10, e_result_to_store=10)
    counters(c, finished=10, finished_on_time=0)
    return {"city": city, "a": a, "b": b, "c": c}


@pytest.fixture
def city_leader(tree):
    return staff(Role.LEADER, tree["city"], username="lanhdao_thanh_pho")


# ---------------------------------------------------------------- dashboard


def test_the_dashboard_shows_the_total_band_and_every_indicator(
    client, hue, hue_leader, django_assert_max_num_queries
):
    client.force_login(hue_leader)
    with django_assert_max_num_queries(150):  # 13 index computations (period + 12 months)
        response = client.get("/chi-so/", MARCH)

    assert response.status_code == 200
    text = response.content.decode()
    assert response.context["total"] == "73,40"
    assert '<div class="big" data-testid="total">73,40</div>' in text
    assert '<span class="band band-kha">Khá</span>' in text
    assert "Sở Khoa học thử nghiệm (000.00.20.H99)" in text
    assert "từ 01/03/2026 đến 31/03/2026" in text
    rows = {row["line"].key: row for row in response.context["indicators"]}
    assert len(rows) == 17
    on_time = rows["on_time"]
    assert (on_time["numerator"], on_time["denominator"], on_time["ratio"]) == (
        "8",
        "10",
        "80,00 %",
    )
    assert (on_time["score"], on_time["max"]) == ("16,00", "20,00")
    assert (rows["registry_dossiers"]["score"], rows["registry_dossiers"]["ratio"]) == (
        "0,40",
        "20,00 %",
    )
    assert rows["publish_on_time"]["line"].applicable is False
    assert rows["publish_on_time"]["score"] == "6,00"
    assert text.count("không phát sinh</span>") == 7  # 5 catalog + 2 petition indicators
    assert (
        '<a href="/chi-so/chi-tieu/on_time/?agency=000.00.20.H99&amp;from=2026-03-01'
        '&amp;to=2026-03-31">Hồ sơ giải quyết đúng hạn</a>' in text
    )
    groups = {g["line"].key: g["score"] for g in response.context["groups"]}
    assert groups == {
        "transparency": "18,00",
        "progress": "16,00",
        "online": "8,00",
        "payment": "2,00",
        "satisfaction": "16,00",
        "digitization": "13,40",
    }


def test_the_dashboard_charts_are_svg_with_titles_and_values(client, hue, hue_leader):
    client.force_login(hue_leader)
    text = client.get("/chi-so/", MARCH).content.decode()

    assert '<title id="chart-groups-t">Điểm theo nhóm chỉ số</title>' in text
    assert "<title>Tiến độ giải quyết: 16,00 / 20</title>" in text
    assert ">16,00 / 20</text>" in text
    assert '<title id="chart-indicators-t">Điểm theo chỉ tiêu</title>' in text
    assert "<title>Công bố TTHC mới đúng hạn: không phát sinh — tính đủ 6 điểm</title>" in text
    assert '<title id="chart-trend-t">Tổng điểm theo tháng</title>' in text
    assert "<title>Tháng 03/2026: 73,40 điểm — Khá</title>" in text


def test_the_trend_covers_the_twelve_months_up_to_the_period_end(client, hue, hue_leader):
    client.force_login(hue_leader)
    months = client.get("/chi-so/", MARCH).context["months"]

    assert [m["label"] for m in months] == [
        "04/2025", "05/2025", "06/2025", "07/2025", "08/2025", "09/2025",
        "10/2025", "11/2025", "12/2025", "01/2026", "02/2026", "03/2026",
    ]  # fmt: skip
    assert months[-1] == {"label": "03/2026", "total": "73,40", "band": "Khá"}
    # No dossier in April 2025: a gap, not the 100 points of nothing to judge (§7).
    assert months[0] == {"label": "04/2025", "total": "—", "band": "Không phát sinh hồ sơ"}


def test_the_kpis_are_percentages_with_two_decimals(client, hue, hue_leader):
    client.force_login(hue_leader)
    kpis = {k.key: k.text for k in client.get("/chi-so/", MARCH).context["kpis"]}

    assert kpis["dossiers_received"] == "10"
    assert kpis["online_rate"] == "30,00 %"
    assert kpis["on_time_rate"] == "80,00 %"
    assert kpis["overdue_rate"] == "20,00 %"
    assert kpis["digitized_rate"] == "50,00 %"
    assert kpis["procedures_online_share"] == "—"  # no procedures: nothing to divide
    assert kpis["payments_online_amount"] == "0 đồng"


def test_the_default_is_the_leaders_top_agency_and_the_year_so_far(client, city_leader, tree):
    client.force_login(city_leader)
    response = client.get("/chi-so/")

    assert response.status_code == 200
    assert response.context["agency"] == tree["city"]
    today = response.context["period"].end
    assert response.context["period"].start == date(today.year, 1, 1)


def test_dates_typed_the_vietnamese_way_are_accepted(client, hue, hue_leader):
    client.force_login(hue_leader)
    response = client.get("/chi-so/", {"from": "1/3/2026", "to": "31/03/2026"})

    assert response.status_code == 200
    assert response.context["total"] == "73,40"
    assert response.context["form"] == {"from": "01/03/2026", "to": "31/03/2026"}


BAD_FORMAT = "không hợp lệ: nhập theo dạng dd/mm/yyyy."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-02-30"}, f"Ngày &#x27;2026-02-30&#x27; {BAD_FORMAT}"),
        ({"to": "hôm qua"}, f"Ngày &#x27;hôm qua&#x27; {BAD_FORMAT}"),
        ({"from": "31/13/2026"}, f"Ngày &#x27;31/13/2026&#x27; {BAD_FORMAT}"),
        (
            {"from": "2026-03-31", "to": "2026-03-01"},
            "Ngày kết thúc kỳ không được trước ngày bắt đầu.",
        ),
        (
            {"from": "9999-12-31", "to": "9999-12-31"},
            "Ngày 31/12/9999 nằm ngoài khoảng cho phép (01/01/2000 – 31/12/2099).",
        ),
    ],
)
def test_bad_dates_give_a_vietnamese_message_not_a_500(client, hue, hue_leader, params, message):
    client.force_login(hue_leader)
    for url in ("/chi-so/", "/chi-so/xep-hang/", "/chi-so/cong-khai/"):
        response = client.get(url, {"agency": hue.code, **params})
        assert response.status_code == 400, url
        text = response.content.decode()
        assert message in text, url
        assert "Không xem được số liệu:" in text


def test_a_bad_date_in_an_export_link_gives_the_page_not_a_file(client, hue, hue_leader):
    client.force_login(hue_leader)
    response = client.get("/chi-so/", {"from": "2026-13-01", "format": "xlsx"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_an_unknown_format_shows_the_page(client, hue, hue_leader):
    client.force_login(hue_leader)
    response = client.get("/chi-so/", {**MARCH, "format": "docx"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("url", ["/chi-so/", "/chi-so/xep-hang/", "/chi-so/?format=xlsx"])
def test_anonymous_people_are_sent_to_sign_in(client, hue, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=/chi-so/")


@pytest.mark.parametrize("url", ["/chi-so/", "/chi-so/xep-hang/", "/chi-so/?format=pdf"])
def test_a_citizen_gets_the_403_page(client, citizen, hue, url):
    client.force_login(citizen)
    response = client.get(url)

    assert response.status_code == 403
    assert "Trang này dành cho lãnh đạo theo dõi chỉ số phục vụ của cơ quan." in (
        response.content.decode()
    )


def test_staff_without_the_leader_role_get_the_403_page(client, hue):
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.ADMIN):
        client.force_login(staff(role, hue, username=f"can_bo_{role}"))
        response = client.get("/chi-so/", {"agency": hue.code})
        assert response.status_code == 403, role


@pytest.mark.parametrize(
    "params",
    [
        {"agency": "000.00.00.H99"},  # the city above the leader's agency
        {"agency": "000.00.11.H99"},  # a department beside it
        {"agency": "000.00.11.H99", "format": "xlsx"},
        {"agency": "000.00.11.H99", "format": "pdf"},
        {"agency": "KHONG-CO"},  # unknown
    ],
)
def test_a_leader_cannot_read_an_agency_outside_their_own(client, tree, hue, hue_leader, params):
    client.force_login(hue_leader)
    for url in ("/chi-so/", "/chi-so/xep-hang/"):
        response = client.get(url, params)
        assert response.status_code == 403, url
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert "Bạn không có quyền xem số liệu của cơ quan này." in response.content.decode()


def test_a_leader_reads_the_agencies_below_theirs(client, tree, city_leader):
    client.force_login(city_leader)
    response = client.get("/chi-so/", {**MARCH, "agency": tree["c"].code})

    assert response.status_code == 200
    assert response.context["total"] == "72,00"
    assert [a.code for a in response.context["choices"]] == [
        "000.00.00.H99", "000.00.11.H99", "000.00.12.H99", "000.50.01.H99",
    ]  # fmt: skip


def test_a_superuser_reads_any_agency(client, tree, hue):
    client.force_login(UserFactory(username="quantri_thu", is_superuser=True, is_staff=True))

    assert client.get("/chi-so/", {**MARCH, "agency": hue.code}).context["total"] == "73,40"
    assert client.get("/chi-so/", {**MARCH, "agency": tree["b"].code}).status_code == 200


# ---------------------------------------------------------------- ranking


def _ranking(client, **params):
    response = client.get("/chi-so/xep-hang/", {**MARCH, **params})
    assert response.status_code == 200
    return [(r["rank"], r["agency"].code, r["total"]) for r in response.context["rows"]]


def test_the_ranking_lists_every_agency_below_by_total(
    client, tree, city_leader, django_assert_max_num_queries
):
    client.force_login(city_leader)
    with django_assert_max_num_queries(50):
        rows = _ranking(client)

    assert rows == [
        (1, "000.00.12.H99", "90,00"),
        (2, "000.00.11.H99", "82,00"),
        (3, "000.50.01.H99", "72,00"),
    ]


def test_the_ranking_sorts_by_any_group_in_either_direction(client, tree, city_leader):
    client.force_login(city_leader)

    assert _ranking(client, sort="total", dir="asc") == [
        (3, "000.50.01.H99", "72,00"),
        (2, "000.00.11.H99", "82,00"),
        (1, "000.00.12.H99", "90,00"),
    ]
    # Equal scores share a rank and are listed by code.
    assert _ranking(client, sort="progress", dir="desc") == [
        (1, "000.00.11.H99", "82,00"),
        (1, "000.00.12.H99", "90,00"),
        (3, "000.50.01.H99", "72,00"),
    ]
    assert _ranking(client, sort="digitization", dir="asc") == [
        (2, "000.00.11.H99", "82,00"),
        (2, "000.50.01.H99", "72,00"),
        (1, "000.00.12.H99", "90,00"),
    ]


def test_the_ranking_ignores_an_unknown_sort(client, tree, city_leader):
    client.force_login(city_leader)

    assert [r[1] for r in _ranking(client, sort="drop table", dir="sideways")] == [
        "000.00.12.H99",
        "000.00.11.H99",
        "000.50.01.H99",
    ]


def test_the_ranking_rows_show_groups_and_link_to_each_dashboard(client, tree, city_leader):
    client.force_login(city_leader)
    response = client.get("/chi-so/xep-hang/", {**MARCH, "sort": "progress"})
    text = response.content.decode()

    b = next(r for r in response.context["rows"] if r["agency"].code == "000.00.12.H99")
    assert b["groups"] == ["18,00", "10,00", "12,00", "10,00", "18,00", "22,00"]
    assert b["band"] == "Xuất sắc"
    assert (
        '<a href="/chi-so/?agency=000.00.12.H99&amp;from=2026-03-01&amp;to=2026-03-31">'
        "Sở B thử nghiệm</a>" in text
    )
    assert '<th scope="col" class="num" aria-sort="descending">' in text
    # the active column's link turns its direction
    assert "sort=progress&amp;dir=asc" in text


def test_the_ranking_of_an_agency_without_children_says_so(client, hue, hue_leader):
    client.force_login(hue_leader)
    response = client.get("/chi-so/xep-hang/", MARCH)

    assert response.context["rows"] == []
    assert "Cơ quan này không có cơ quan trực thuộc." in response.content.decode()


def test_the_ranking_of_the_demo_city_keeps_its_queries_bounded(
    client, django_assert_max_num_queries
):
    demo_load(dossiers=60, seed=1, now=datetime(2026, 3, 31, 17, 0, tzinfo=TZ))
    client.force_login(User.objects.get(username="lanhdao"))  # leads thành phố Huế

    with django_assert_max_num_queries(27 * 10):  # 26 agencies × one index each, plus a few
        response = client.get("/chi-so/xep-hang/", MARCH)

    assert response.status_code == 200
    # Every agency below is either ranked or listed apart (no dossier in March), but phường
    # Vỹ Dạ, merged into Thuận Hóa on 01/01/2026 (demo/mergers.py): its figures are Thuận Hóa's.
    listed = [r["agency"].code for r in [*response.context["rows"], *response.context["apart"]]]
    assert len(listed) == 25
    assert "000.50.03.H46" not in listed
    ranks = [r["rank"] for r in response.context["rows"]]
    assert ranks[0] == 1
    assert ranks == sorted(ranks)


# ---------------------------------------------------------------- public page


def test_the_public_page_needs_no_sign_in_and_shows_agency_numbers(
    client, tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(45):
        response = client.get("/chi-so/cong-khai/", MARCH)

    assert response.status_code == 200
    assert response.context["own"]["agency"] == tree["city"]
    # rolled up: 15 of 30 finished on time → 10 of 20; 10 of 30 e-results → 2,67 of 8
    assert response.context["own"]["total"] == "84,67"
    assert [(r["rank"], r["agency"].code, r["total"]) for r in response.context["rows"]] == [
        (1, "000.00.12.H99", "90,00"),
        (2, "000.00.11.H99", "82,00"),
    ]
    text = response.content.decode()
    assert '<a href="?agency=000.00.11.H99&amp;from=2026-03-01&amp;to=2026-03-31">' in text
    assert "<title>Tiến độ giải quyết: 10,00 / 20</title>" in text  # 15 of 30 on time
    assert "/chi-so/chi-tieu/" not in text  # no drill-down to dossiers for the public


def test_the_public_page_shows_no_applicant_data(client, walker, citizen, agency):
    city = AgencyFactory(
        code="000.00.00.H99", name="UBND thành phố thử nghiệm", level=Agency.Level.PROVINCE
    )
    agency.parent = city
    agency.save(update_fields=["parent"])
    citizen.full_name = "Trần Thị Bảo Mật"
    citizen.save(update_fields=["full_name"])
    dossier = walker.dossier_in(State.RETURNED)
    assert Dossier.objects.get(pk=dossier.pk).applicant_name == "Trần Thị Bảo Mật"

    response = client.get("/chi-so/cong-khai/", MARCH)

    text = response.content.decode()
    assert response.status_code == 200
    assert [r["agency"].code for r in response.context["rows"]] == [agency.code]
    assert agency.name in text
    assert "Trần Thị Bảo Mật" not in text
    assert citizen.personal_id not in text
    assert dossier.code not in text


def test_the_public_page_answers_an_unknown_agency_with_a_message(client, tree):
    response = client.get("/chi-so/cong-khai/", {"agency": "KHONG-CO"})

    assert response.status_code == 404
    assert "Không có cơ quan mã &#x27;KHONG-CO&#x27;." in response.content.decode()


# ---------------------------------------------------------------- charts and numbers


def test_numbers_are_written_the_vietnamese_way():
    assert number_vi(73.4) == "73,40"
    assert number_vi(1234567, 0) == "1.234.567"
    assert number_vi(1234.5) == "1.234,50"
    assert percent_vi(0.2162) == "21,62 %"
    assert percent_vi(1) == "100,00 %"
    assert percent_vi(None) == "—"


def test_a_bar_chart_escapes_its_text_and_clamps_its_bars():
    svg = bar_chart(
        [Bar("<b>Nhóm</b>", 30, 20, "30 / 20"), Bar("Trống", 0, 0, "0 / 0", muted=True)],
        chart_id="c1",
        title="Điểm & hạng",
    )

    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="c1" role="img"'
    )
    assert 'aria-labelledby="c1-t c1-d"' in svg
    assert '<title id="c1-t">Điểm &amp; hạng</title>' in svg
    assert "&lt;b&gt;Nhóm&lt;/b&gt;" in svg
    assert "<b>" not in svg
    assert 'width="62.00%"' in svg  # 30 of 20 is drawn full, not beyond the track
    assert 'fill="url(#c1-na)"' in svg  # nothing to judge: hatched, not a colour alone
