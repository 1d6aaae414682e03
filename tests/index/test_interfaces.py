"""`motcua index`, `motcua kpi`, `GET /api/v1/index`, `GET /api/v1/kpi` (§7, §8, §11)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.core.management import call_command

from motcua.core.worktime import TZ
from motcua.directory.tokens import api_token_create

pytestmark = pytest.mark.django_db

KPI_KEYS = {
    "agency",
    "from",
    "to",
    "procedures_total",
    "procedures_online",
    "procedures_online_share",
    "procedures_with_dossiers",
    "procedures_with_dossiers_share",
    "dossiers_received",
    "dossiers_online",
    "online_rate",
    "dossiers_finished",
    "on_time_rate",
    "overdue_rate",
    "open_overdue",
    "digitized_rate",
    "e_result_rate",
    "payments_online_count",
    "payments_online_amount",
    "petitions_received",
    "petitions_resolved",
    "petitions_resolved_rate",
}


@pytest.fixture
def history(walker):
    """One online dossier received on Mon 02/03/2026 at Sở Tư pháp thử nghiệm."""
    at = datetime(2026, 3, 2, 9, tzinfo=TZ)
    dossier = walker.create(at=at)
    dossier = walker.act(dossier, "submit", at=at)
    return walker.act(dossier, "receive", at=at)


def run(capsys, *args) -> tuple[int, str, str]:
    code = 0
    try:
        call_command(*args)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_index_json_has_the_contract_shape(capsys, history, agency):
    code, out, err = run(
        capsys,
        "index",
        "--agency",
        agency.code,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--json",
    )
    body = json.loads(out)
    assert (code, err) == (0, "")
    assert set(body) == {"agency", "from", "to", "total", "band", "groups"}
    assert (body["agency"], body["from"], body["to"]) == (agency.code, "2026-03-01", "2026-03-31")
    assert [g["key"] for g in body["groups"]] == [
        "transparency",
        "progress",
        "online",
        "payment",
        "satisfaction",
        "digitization",
    ]
    synced = next(i for g in body["groups"] for i in g["indicators"] if i["key"] == "synced")
    assert synced == {
        "key": "synced",
        "numerator": 0,
        "denominator": 1,
        "score": 0.0,
        "max": 6,
        "applicable": True,
    }


def test_kpi_json_has_every_key(capsys, history, agency):
    code, out, _ = run(
        capsys,
        "kpi",
        "--agency",
        agency.code,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--json",
    )
    body = json.loads(out)
    assert code == 0
    assert set(body) == KPI_KEYS
    assert (
        body["dossiers_received"],
        body["dossiers_online"],
        body["online_rate"],
        body["dossiers_finished"],
        body["on_time_rate"],
    ) == (1, 1, 1.0, 0, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "KHONG.CO"], "Không có cơ quan mã 'KHONG.CO'.\n"),
        (
            ["--agency", "000.00.11.H99", "--from", "2026-13-01"],
            "Ngày '2026-13-01' không hợp lệ: dùng dạng YYYY-MM-DD.\n",
        ),
        (
            ["--agency", "000.00.11.H99", "--from", "2026-03-31", "--to", "2026-03-01"],
            "Ngày kết thúc kỳ không được trước ngày bắt đầu.\n",
        ),
        (
            ["--agency", "000.00.11.H99", "--from", "0001-01-01"],
            "Ngày 01/01/0001 nằm ngoài khoảng cho phép (01/01/2000 – 31/12/2099).\n",
        ),
    ],
)
@pytest.mark.parametrize("command", ["index", "kpi"])
def test_bad_input_exits_2_with_a_message(capsys, agency, command, args, message):
    assert run(capsys, command, *args, "--json") == (2, "", message)


def test_the_api_gives_the_same_numbers(client, capsys, history, agency):
    """To a system holding a token for the agency (anonymous callers: tests/api/)."""
    secret = api_token_create(actor=None, name="Cổng DVC", agency_codes=[agency.code]).secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    params = {"agency": agency.code, "from": "2026-03-01", "to": "2026-03-31"}
    _, out, _ = run(
        capsys,
        "index",
        "--agency",
        agency.code,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--json",
    )
    assert client.get("/api/v1/index", params).json() == json.loads(out)
    _, out, _ = run(
        capsys,
        "kpi",
        "--agency",
        agency.code,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--json",
    )
    assert client.get("/api/v1/kpi", params).json() == json.loads(out)


def test_the_api_refuses_bad_input_in_its_error_shape(client, agency):
    secret = api_token_create(actor=None, name="Cổng DVC", agency_codes=[agency.code]).secret
    response = client.get("/api/v1/index", {"agency": "KHONG.CO"})
    assert (response.status_code, response.json()) == (
        404,
        {
            "code": "not_found",
            "message": "Không có cơ quan mã 'KHONG.CO'.",
            "fields": {"agency": "unknown"},
        },
    )
    response = client.get("/api/v1/kpi", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400
    assert response.json()["fields"] == {"agency": "Field required"}


def test_a_nul_in_the_agency_code_is_an_unknown_agency_not_a_server_error(client, agency):
    # PostgreSQL refuses a NUL in text: the code must not reach it.
    response = client.get("/api/v1/index", {"agency": f"{agency.code}\x00"})
    assert (response.status_code, response.json()["fields"]) == (404, {"agency": "unknown"})


def test_rebuild_command_reports_rows(capsys, history):
    code, out, _ = run(capsys, "index_rebuild")
    assert code == 0
    assert out.startswith("Đã tính lại 4 bộ đếm")
