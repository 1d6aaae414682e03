"""`import-catalog` is set-based: its number of queries does not grow with the procedures."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog.models import FeeLine, Procedure, Publication, RequiredDocument, WorkflowStep
from motcua.catalog.selectors import procedure_search
from motcua.catalog.services import catalog_import
from tests.factories import UserFactory


def _catalog(prefix: str, n: int, *, edition: int = 1) -> dict:
    return {
        "agencies": [
            {"code": "000.00.00.H46", "name": "UBND tỉnh", "level": "province", "parent": None},
            {
                "code": "000.00.11.H46",
                "name": f"Sở Tư pháp ({edition})",
                "level": "department",
                "parent": "000.00.00.H46",
            },
        ],
        "procedures": [
            {
                "code": f"{prefix}.{i:06d}",
                "name": f"Cấp giấy xác nhận số {i} lần {edition}",
                "sector": f"Lĩnh vực {i % 3}",
                "level": "province",
                "time_limit": f"{edition} d",
                "online": "full",
                # One procedure in two keeps its e-form (no `eform` key), the other names none.
                **({"eform": None} if i % 2 else {}),
                "fees": [{"name": f"Lệ phí {edition}", "amount": 1000 * i}],
                "agencies": ["000.00.11.H46"] if edition == 1 else ["000.00.00.H46"],
                "required_documents": [
                    {"name": f"Tờ khai {edition}", "optional": False},
                    {"name": "Giấy tờ tùy thân", "optional": True},
                ],
                "publications": [
                    {"kind": "new", "decision": f"QĐ {edition}", "decided_on": "2025-01-02"}
                ],
            }
            for i in range(n)
        ],
    }


def _queries(data: dict) -> int:
    actor = UserFactory(is_superuser=True)
    with CaptureQueriesContext(connection) as captured:
        catalog_import(actor=actor, data=data)
    return len(captured)


def test_the_queries_of_an_import_do_not_grow_with_its_procedures(db):
    # The agencies and sectors exist after this, so both imports below create procedures only.
    _queries(_catalog("0", 3))

    first_10 = _queries(_catalog("1", 10))
    first_40 = _queries(_catalog("2", 40))
    again_10 = _queries(_catalog("1", 10, edition=2))
    again_40 = _queries(_catalog("2", 40, edition=2))

    assert first_10 == first_40 == 22
    assert again_10 == again_40 == 27
    # And what they wrote is the whole file, each time.
    assert Procedure.objects.count() == 53
    assert RequiredDocument.objects.count() == 106
    assert FeeLine.objects.count() == 53
    assert Publication.objects.count() == 53
    assert WorkflowStep.objects.count() == 106
    procedure = Procedure.objects.get(code="2.000039")
    assert (procedure.name, procedure.name_folded, procedure.time_limit) == (
        "Cấp giấy xác nhận số 39 lần 2",
        "cap giay xac nhan so 39 lan 2",
        "2 d",
    )
    assert list(procedure.agencies.values_list("code", flat=True)) == ["000.00.00.H46"]
    assert list(procedure.documents.values_list("position", "name")) == [
        (1, "Tờ khai 2"),
        (2, "Giấy tờ tùy thân"),
    ]
    assert list(procedure.fees.values_list("name", "amount")) == [("Lệ phí 2", 39000)]
    assert [p.code for p in procedure_search("xac nhan so 39 lan 2")] == ["2.000039"]
    assert procedure_search("xac nhan so 39 lan 1") == []


def test_a_reimport_of_an_unchanged_catalog_leaves_the_rows_as_they_are(db):
    _queries(_catalog("1", 5))
    documents = list(RequiredDocument.objects.order_by("pk").values_list("pk", "name"))
    fees = list(FeeLine.objects.order_by("pk").values_list("pk", flat=True))

    data = _catalog("1", 5)
    data["procedures"][2]["required_documents"][1]["optional"] = False
    _queries(data)

    # Only the procedure whose documents changed has new ones; the rest keep theirs.
    after = list(RequiredDocument.objects.order_by("pk").values_list("pk", "name"))
    assert after[:8] == documents[:4] + documents[6:]
    assert [name for _pk, name in after[8:]] == ["Tờ khai 1", "Giấy tờ tùy thân"]
    assert after[8][0] > documents[-1][0]
    assert list(FeeLine.objects.order_by("pk").values_list("pk", flat=True)) == fees
    assert list(
        RequiredDocument.objects.filter(procedure__code="1.000002").values_list(
            "optional", flat=True
        )
    ) == [False, False]
