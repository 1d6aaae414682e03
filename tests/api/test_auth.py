"""Who may read what through `/api/v1/index` and `/api/v1/kpi` (issue 17, finding 1).

Two agencies with different figures, so that a rule that hands out the wrong agency's numbers
(or the sum of both) fails: Sở Tư pháp received 3 dossiers, 2 online, one paid online 50.000 đ;
Sở Xây dựng received 7, paid 999.000 đ."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from motcua.core.models import AuditEvent
from motcua.counters.services import counters_apply
from motcua.directory.models import ApiToken, Role
from motcua.directory.tokens import api_token_create, api_token_revoke, secret_hash
from tests.factories import AgencyFactory, CitizenFactory, staff

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def figures(agency, other_agency):
    day = date(2026, 3, 2)
    for who, metric, value in [
        (agency, "received", 3),
        (agency, "received_online", 2),
        (agency, "payments_online", 1),
        (agency, "payments_online_amount", 50_000),
        (other_agency, "received", 7),
        (other_agency, "payments_online", 4),
        (other_agency, "payments_online_amount", 999_000),
    ]:
        counters_apply({(who.pk, day, metric): value})


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def kpi(client, agency, **headers):
    return client.get("/api/v1/kpi", {"agency": agency.code, **PERIOD}, **headers)


def index(client, agency, **headers):
    return client.get("/api/v1/index", {"agency": agency.code, **PERIOD}, **headers)


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    return body


# ---------------------------------------------------------------- KPIs need a caller


def test_anonymous_is_refused_the_kpis_with_401_in_the_error_shape(client, figures, agency):
    body = assert_refused(kpi(client, agency), 401, "unauthenticated")

    assert body == {
        "code": "unauthenticated",
        "message": "Cần xác thực: gửi khóa API của hệ thống (Authorization: Bearer …) hoặc "
        "đăng nhập với tài khoản lãnh đạo.",
        "fields": {},
    }
    assert kpi(client, agency)["WWW-Authenticate"] == 'Bearer realm="motcua"'


def test_the_agencys_token_reads_its_exact_figures(client, figures, agency):
    secret = api_token_create(actor=None, name="Cổng DVC", agency_codes=[agency.code]).secret

    response = kpi(client, agency, **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert (
        body["agency"],
        body["dossiers_received"],
        body["dossiers_online"],
        body["online_rate"],
        body["payments_online_count"],
        body["payments_online_amount"],
        body["open_overdue"],
    ) == (agency.code, 3, 2, 2 / 3, 1, 50_000, 0)


def test_another_agencys_token_is_refused_with_403(client, figures, agency, other_agency):
    secret = api_token_create(actor=None, name="QLVB Sở XD", agency_codes=[other_agency.code])

    body = assert_refused(kpi(client, agency, **bearer(secret.secret)), 403, "forbidden")

    assert body["message"] == "Bạn không có quyền xem số liệu điều hành của cơ quan này."
    # …and the same token reads its own agency.
    assert kpi(client, other_agency, **bearer(secret.secret)).json()["payments_online_amount"] == (
        999_000
    )


def test_a_token_reads_the_agencies_below_the_one_it_names(client, agency):
    province = AgencyFactory(code="000.00.00.H99", name="UBND tỉnh thử nghiệm")
    agency.parent = province
    agency.save(update_fields=["parent"])
    counters_apply({(agency.pk, date(2026, 3, 2), "received"): 5})
    secret = api_token_create(actor=None, name="Tỉnh", agency_codes=[province.code]).secret

    assert kpi(client, agency, **bearer(secret)).json()["dossiers_received"] == 5
    assert kpi(client, province, **bearer(secret)).json()["dossiers_received"] == 5


def test_a_revoked_token_is_refused_with_401(client, figures, agency):
    issued = api_token_create(actor=None, name="Cổng DVC", agency_codes=[agency.code])
    assert kpi(client, agency, **bearer(issued.secret)).status_code == 200

    api_token_revoke(actor=None, token_id=issued.token.pk)

    body = assert_refused(kpi(client, agency, **bearer(issued.secret)), 401, "unauthenticated")
    assert body["message"] == "Khóa API không hợp lệ hoặc đã bị thu hồi."
    # A wrong token is never taken for "nobody", even where nobody is needed.
    assert_refused(index(client, agency, **bearer(issued.secret)), 401, "unauthenticated")


@pytest.mark.parametrize(
    "header",
    ["Bearer mc_0000_sai", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "x" * 500],
)
def test_a_malformed_or_unknown_token_is_401(client, figures, agency, header):
    response = client.get(
        "/api/v1/kpi", {"agency": agency.code, **PERIOD}, HTTP_AUTHORIZATION=header
    )

    assert_refused(response, 401, "unauthenticated")


def test_the_leaders_session_reads_the_agency_as_the_dashboard_does(client, figures, agency):
    client.force_login(staff(Role.LEADER, agency, username="lanhdao_tp"))

    body = kpi(client, agency).json()

    assert (body["dossiers_received"], body["payments_online_amount"]) == (3, 50_000)


def test_staff_of_another_agency_and_staff_without_the_leader_role_are_refused(
    client, figures, agency, other_agency
):
    for user in [
        staff(Role.LEADER, other_agency, username="lanhdao_xd"),
        staff(Role.RECEPTION, agency, username="motcua_tp"),
        CitizenFactory(username="001090000009", personal_id="001090000009"),
    ]:
        client.force_login(user)
        assert_refused(kpi(client, agency), 403, "forbidden")


# ---------------------------------------------------------------- the index: public scores


def test_anonymous_reads_the_public_index_without_the_counts(client, figures, agency):
    response = index(client, agency)

    assert response.status_code == 200
    body = response.json()
    assert (body["agency"], body["from"], body["to"]) == (agency.code, *PERIOD.values())
    indicators = [i for g in body["groups"] for i in g["indicators"]]
    assert {(i["numerator"], i["denominator"]) for i in indicators} == {(None, None)}
    on_time = next(i for i in indicators if i["key"] == "online_dossiers")
    assert set(on_time) == {"key", "numerator", "denominator", "score", "max", "applicable"}


def test_the_index_counts_go_to_the_agencys_token_only(client, figures, agency, other_agency):
    own = api_token_create(actor=None, name="A", agency_codes=[agency.code]).secret
    other = api_token_create(actor=None, name="B", agency_codes=[other_agency.code]).secret

    def synced(secret):
        body = index(client, agency, **bearer(secret)).json()
        return next(
            (i["numerator"], i["denominator"])
            for g in body["groups"]
            for i in g["indicators"]
            if i["key"] == "synced"
        )

    assert synced(own) == (0, 3)
    assert synced(other) == (None, None)
    # The public scores themselves are the same for everyone.
    assert (
        index(client, agency, **bearer(own)).json()["total"]
        == index(client, agency).json()["total"]
    )


# ---------------------------------------------------------------- rate limits


@override_settings(MOTCUA_API_RATE_ANONYMOUS=3, MOTCUA_API_RATE_AUTHENTICATED=5)
def test_anonymous_callers_are_limited_per_address_with_429(client, figures, agency):
    url = "/api/v1/procedures"
    statuses = [client.get(url).status_code for _ in range(4)]
    refused = client.get(url)
    other_address = client.get(url, REMOTE_ADDR="10.0.0.9")

    assert statuses == [200, 200, 200, 429]
    body = assert_refused(refused, 429, "rate_limited")
    assert body["message"].startswith("Quá nhiều yêu cầu. Vui lòng thử lại sau ")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other_address.status_code == 200


@override_settings(MOTCUA_API_RATE_ANONYMOUS=2, MOTCUA_API_RATE_AUTHENTICATED=3)
def test_each_token_has_its_own_window(client, figures, agency, other_agency):
    first = api_token_create(actor=None, name="A", agency_codes=[agency.code]).secret
    second = api_token_create(actor=None, name="B", agency_codes=[agency.code]).secret

    statuses = [kpi(client, agency, **bearer(first)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert kpi(client, agency, **bearer(second)).status_code == 200
    # Anonymous callers from the same address have their own (smaller) window.
    assert client.get("/api/v1/procedures").status_code == 200


@override_settings(MOTCUA_API_RATE_ANONYMOUS=3)
def test_guessing_tokens_is_rate_limited_like_anything_else(client, figures, agency):
    statuses = [kpi(client, agency, **bearer(f"mc_guess_{n}")).status_code for n in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


# ---------------------------------------------------------------- tokens themselves


def test_only_a_hash_of_the_secret_is_kept_and_its_use_is_noted(client, figures, agency):
    issued = api_token_create(actor=None, name="  Cổng   DVC  ", agency_codes=[agency.code])
    token = ApiToken.objects.get()

    assert (token.name, token.secret_hash) == ("Cổng DVC", secret_hash(issued.secret))
    assert issued.secret not in str(ApiToken.objects.values().get())
    assert issued.secret.startswith(f"mc_{token.prefix}_")
    assert token.last_used_at is None

    kpi(client, agency, **bearer(issued.secret))

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [
        ("api_token.create", str(token.pk))
    ]


def test_the_command_creates_lists_and_revokes(capsys, agency, other_agency):
    call_command(
        "api_token",
        "create",
        "--name",
        "Cổng DVC",
        "--agency",
        agency.code,
        "--agency",
        other_agency.code,
    )
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    token = ApiToken.objects.get()

    assert out.startswith(f"Đã tạo khóa số {token.pk} cho Cổng DVC (cơ quan: ")
    assert secret_hash(secret) == token.secret_hash
    assert sorted(token.agencies.values_list("code", flat=True)) == sorted(
        [agency.code, other_agency.code]
    )

    call_command("api_token", "list")
    listing = capsys.readouterr().out
    assert f"{token.pk}\t{token.prefix}\tCổng DVC\t" in listing
    assert "đang dùng" in listing
    assert secret not in listing

    call_command("api_token", "revoke", str(token.pk))
    assert capsys.readouterr().out.startswith(f"Khóa số {token.pk} (Cổng DVC) đã thu hồi lúc ")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert [a for (a,) in AuditEvent.objects.order_by("id").values_list("action")] == [
        "api_token.create",
        "api_token.revoke",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "X", "--agency", "KHONG.CO"], "Không có cơ quan mã KHONG.CO.\n"),
        (
            ["--name", "   ", "--agency", "000.00.11.H99"],
            "Tên hệ thống sử dụng khóa không được trống và dài tối đa 200 ký tự.\n",
        ),
    ],
)
def test_the_command_refuses_bad_input_and_makes_nothing(capsys, agency, args, message):
    with pytest.raises(SystemExit) as exit_:
        call_command("api_token", "create", *args)

    assert (exit_.value.code, capsys.readouterr().err) == (2, message)
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_revoking_an_unknown_token_says_so(capsys, db):
    with pytest.raises(SystemExit):
        call_command("api_token", "revoke", "999")

    assert capsys.readouterr().err == "Không có khóa API số 999.\n"


def test_the_admin_shows_the_secret_once_and_revokes(admin_client, agency):
    response = admin_client.post(
        "/admin/directory/apitoken/add/",
        {"name": "Hệ thống QLVB", "agencies": [agency.pk]},
        follow=True,
    )
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = shown[0].rsplit(" ", 1)[-1]

    assert shown == [
        f"Khóa của Hệ thống QLVB (chỉ hiện một lần, hãy lưu lại ngay): {secret}",
        f"khóa API của hệ thống “Hệ thống QLVB ({token.prefix}…)” được thêm vào thành công.",
    ]
    assert secret_hash(secret) == token.secret_hash
    assert list(token.agencies.all()) == [agency]

    admin_client.post(
        "/admin/directory/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_token_is_read_on_the_primary_and_the_figures_on_the_replica(client, replica_on):
    """A revoked token must stop at once, which a replica a few seconds behind would not give;
    noting its use is a write that must not send the heavy reads back to the primary."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    agency = AgencyFactory(code="000.00.31.H99", name="Sở thử nghiệm bản sao")
    secret = api_token_create(actor=None, name="A", agency_codes=[agency.code]).secret

    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = kpi(client, agency, **bearer(secret))

    assert response.status_code == 200
    on_primary = " ".join(q["sql"] for q in primary.captured_queries)
    on_replica = " ".join(q["sql"] for q in replica.captured_queries)
    assert "directory_apitoken" in on_primary
    assert "directory_apitoken" not in on_replica
    # The period's whole months are read from the monthly roll-up.
    assert "counters_monthlycounter" in on_replica
    assert "counters_monthlycounter" not in on_primary
