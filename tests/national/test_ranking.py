"""The ranking of the provinces (§7 from the snapshots), the public snapshot, and the proof
that a province's index computed nationally equals its own."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from motcua.catalog.models import Publication
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, Division
from motcua.dossiers.importer import dossiers_import
from motcua.dossiers.models import Dossier
from motcua.index.engine import Period, catalog_metrics, index_compute
from motcua.national.contract import Batch
from motcua.national.ingest import batch_apply
from motcua.national.selectors import (
    catalog_agencies_by_province,
    catalog_metrics_grouped,
    province_scored,
)
from tests.factories import AgencyFactory, ProcedureFactory, RequiredDocumentFactory
from tests.national.conftest import message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
STATUS = {
    "received": 2,
    "in_progress": 4,
    "supplement_requested": 5,
    "result_ready": 9,
    "returned": 10,
    "refused": 8,
    "withdrawn": 7,
}
CHANNEL = {"direct": 1, "online": 2, "postal": 3}


def test_ranking_orders_provinces_best_first_with_exact_figures(
    hue_key, hanoi_key, send_batch, client
):
    # Huế: two online dossiers, one finished on time, the other late after two supplements.
    send_batch(
        hue_key,
        [
            message(
                "H.1", finished_at="20250305100000", status=10, fee_amount=50_000, paid_online=True
            ),
            message("H.2", finished_at="20250320100000", supplements=2, status=10),
        ],
    )
    # Hà Nội: one direct dossier, not finished, not digitised.
    send_batch(hanoi_key, [message("N.1", channel=1, digitized=False)], province="01")

    response = client.get("/api/v1/national/ranking?from=2025-03-01&to=2025-03-31")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2025-03-01", "2025-03-31")
    assert [
        (i["rank"], i["province"], i["dossiers_received"], i["dossiers_finished"])
        for i in body["items"]
    ] == [(1, "01", 1, 0), (2, "46", 2, 2)]
    hanoi, hue = body["items"]
    assert hanoi["name"] == "Thành phố Hà Nội"
    # Hà Nội loses digitised (4) and reused (2); on_time is not applicable (nothing
    # finished), nor online_dossiers (1.001 is not in the national catalog).
    assert hanoi["total"] == pytest.approx(94.0)
    # Huế loses half of on_time (10), every e-result point (8) and reused (2).
    assert hue["total"] == pytest.approx(80.0)
    assert (hanoi["band"], hue["band"]) == ("xuat_sac", "tot")
    assert len(body["apart"]) == 32
    assert body["figures"] == {
        "dossiers_online": 2,
        "dossiers_synced": 3,
        "payments_online_count": 1,
        "payments_online_amount": 50_000,
    }


def test_ties_are_ordered_by_province_code(hue_key, hanoi_key, send_batch, client):
    send_batch(hue_key, [message("H.1")])
    send_batch(hanoi_key, [message("N.1")], province="01")

    items = client.get("/api/v1/national/ranking?from=2025-03-01&to=2025-03-31").json()["items"]

    assert [(i["rank"], i["province"]) for i in items] == [(1, "01"), (2, "46")]
    assert items[0]["total"] == items[1]["total"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13-01&to=2025-03-31", "from"),
        ("from=2025-03-01&to=31/03", "to"),
        ("from=2025-03-31&to=2025-03-01", "to"),
    ],
)
def test_ranking_refuses_bad_dates(client, query, field):
    response = client.get(f"/api/v1/national/ranking?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_public_snapshot_holds_no_personal_data(hue_key, send_batch, client):
    send_batch(hue_key, [message("H.1", 4, status=9, finished_at="20250305100000")])

    response = client.get("/api/v1/national/dossiers/H.1/public")

    assert response.status_code == 200
    assert response.json() == {
        "code": "H.1",
        "province": "46",
        "version": 4,
        "status": 9,
        "received_at": "2025-03-03T09:00:00+07:00",
        "due_at": "2025-03-10T17:00:00+07:00",
        "finished_at": "2025-03-05T10:00:00+07:00",
    }
    assert "046190000123" not in response.content.decode()
    missing = client.get("/api/v1/national/dossiers/NOPE/public")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    # A NUL never reaches PostgreSQL (which refuses it in text): not found, not a 500.
    assert client.get("/api/v1/national/dossiers/H.1%00/public").status_code == 404


@pytest.fixture
def hue_catalog(db):
    """A province's catalog as `import-catalog` would load it nationally: a root agency in
    Huế, a department and a commune-level agency under it, procedures of both kinds."""
    hue = Division.objects.get(code="46")
    commune = Division.objects.filter(parent=hue).first()
    root = AgencyFactory(code="000.00.00.H46", level=Agency.Level.PROVINCE, division=hue)
    justice = AgencyFactory(code="000.00.11.H46", parent=root)
    ward = AgencyFactory(
        code="000.00.90.H46", division=commune, level=Agency.Level.COMMUNE, parent=root
    )
    hanoi = Division.objects.get(code="01")
    elsewhere = AgencyFactory(code="000.00.00.H01", division=hanoi, level="province")
    # Located in a commune of Hà Nội and under no agency: still one of Hà Nội's.
    hanoi_ward = AgencyFactory(
        code="000.00.90.H01", division=Division.objects.filter(parent=hanoi).first()
    )
    online = ProcedureFactory(code="1.001", online="full", agencies=[justice])
    RequiredDocumentFactory(procedure=online)
    ProcedureFactory(
        code="1.002", online="none", legal_basis="", agencies=[ward], registry_connected=True
    )
    ProcedureFactory(code="1.003", online="partial", agencies=[elsewhere])
    ProcedureFactory(code="1.004", online="none", agencies=[hanoi_ward])
    Publication.objects.create(
        procedure=online,
        kind="new",
        decision="1/QĐ",
        decided_on=date(2025, 3, 3),
        public_on=date(2025, 3, 20),
    )
    return root


def test_grouped_catalog_metrics_equal_the_engine_s(hue_catalog):
    groups = catalog_agencies_by_province()
    grouped = catalog_metrics_grouped(groups, MARCH)

    assert set(groups) == {"46", "01"}
    for province, ids in groups.items():
        assert grouped[province] == catalog_metrics(ids, MARCH), province
    assert grouped["46"]["procedures"] == 2
    assert grouped["46"]["publications_new"] == 1
    assert grouped["46"]["publications_new_on_time"] == 0
    assert grouped["01"]["procedures"] == 2


def test_a_province_s_index_computed_nationally_equals_its_own(hue_catalog, tmp_path):
    """The province imports its dossiers (§9) and computes its index; the same dossiers,
    sent as §12.1 messages, give the national instance the same index for the province."""
    rows = []
    for i, (agency, procedure, channel, finished, supplements, fee, paid, rating) in enumerate(
        [
            (
                "000.00.11.H46",
                "1.001",
                "online",
                "2025-03-04T10:00:00+07:00",
                "0",
                "0",
                "false",
                "satisfied",
            ),
            (
                "000.00.11.H46",
                "1.001",
                "direct",
                "2025-03-20T10:00:00+07:00",
                "2",
                "50000",
                "true",
                "",
            ),
            ("000.00.90.H46", "1.002", "postal", "", "0", "20000", "false", ""),
            (
                "000.00.90.H46",
                "1.002",
                "direct",
                "2025-03-06T08:00:00+07:00",
                "1",
                "0",
                "false",
                "unsatisfied",
            ),
        ]
    ):
        rows.append(
            {
                "code": f"H46-{i}",
                "procedure_code": procedure,
                "agency_code": agency,
                "channel": channel,
                "received_at": "2025-03-03T09:00:00+07:00",
                "due_at": "2025-03-10T17:00:00+07:00",
                "finished_at": finished,
                "returned_at": "",
                "state": "result_ready" if finished else "in_progress",
                "supplements": supplements,
                "digitized": "true" if i % 2 else "false",
                "e_result": "true" if i < 2 else "false",
                "result_to_store": "true",
                "fee_amount": fee,
                "paid_online": paid,
                "rating": rating,
                "rated_at": "2025-03-21T08:00:00+07:00" if rating else "",
                "reused_data": "true" if i == 0 else "false",
                "registry_used": "true",
                "synced": "true",
            }
        )
    path = tmp_path / "hoso.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    dossiers_import(actor=None, path=path)
    own = index_compute(agency=hue_catalog, period=MARCH)

    messages = [_message_of(d) for d in Dossier.objects.order_by("code")]
    outcome = batch_apply(Batch(province="46", batch_id=uuid.uuid4(), messages=messages))
    national = province_scored("46", MARCH)

    assert outcome.accepted == 4
    for mine, theirs in zip(national.result["groups"], own["groups"], strict=True):
        assert mine == theirs
    assert national.result["total"] == own["total"]
    assert national.metrics["received"] == 4


def _moment(value):
    return None if value is None else value.astimezone(TZ).strftime("%Y%m%d%H%M%S")


def _message_of(d: Dossier) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "dossier": {
            "code": d.code,
            "version": d.version,
            "procedure_code": d.procedure.code,
            "agency_code": d.agency.code,
            "channel": CHANNEL[d.channel],
            "status": STATUS[d.state],
            "received_at": _moment(d.received_at),
            "due_at": _moment(d.due_at),
            "finished_at": _moment(d.finished_at),
            "supplements": d.supplement_count,
            "digitized": d.digitized,
            "e_result": d.e_result,
            "result_to_store": d.result_to_store,
            "fee_amount": d.fee_amount,
            "paid_online": d.paid_online,
            "paid_online_at": _moment(d.paid_online_at),
            "rating": d.rating or None,
            "rated_at": _moment(d.rated_at),
            "reused_data": d.reused_data,
            "registry_used": d.registry_used,
        },
        "progress": [],
    }


def test_kpi_of_a_province_from_its_snapshots(hue_key, send_batch, client):
    send_batch(
        hue_key,
        [
            message(
                "H.1",
                finished_at="20250305100000",
                status=10,
                fee_amount=50_000,
                paid_online=True,
                e_result=True,
            ),
            message(
                "H.2",
                finished_at="20250320100000",
                supplements=2,
                status=10,
                channel=1,
                digitized=False,
            ),
            message("H.3", received_at="20250401090000"),
        ],
    )

    response = client.get("/api/v1/national/kpi?province=46&from=2025-03-01&to=2025-03-31")

    assert response.status_code == 200
    assert response.json() == {
        "province": "46",
        "from": "2025-03-01",
        "to": "2025-03-31",
        "procedures_total": 0,
        "procedures_online": 0,
        "procedures_online_share": None,
        "dossiers_received": 2,
        "dossiers_online": 1,
        "online_rate": 0.5,
        "dossiers_finished": 2,
        "on_time_rate": 0.5,
        "overdue_rate": 0.5,
        "digitized_rate": 0.5,
        "e_result_rate": 0.5,
        "payments_online_count": 1,
        "payments_online_amount": 50_000,
    }
    assert client.get("/api/v1/national/kpi?province=99").status_code == 404
