"""`motcua import-catalog FILE.json` (domain.md §9): all or nothing, every problem located."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

import motcua.demo
from motcua.catalog.models import FeeLine, Procedure, Publication, RequiredDocument, WorkflowStep
from motcua.catalog.services import CatalogErrors, catalog_import
from motcua.core.models import AuditEvent
from motcua.directory.models import Agency, Division, Role
from tests.factories import AgencyFactory, ProcedureFactory

DEMO_CATALOG = Path(motcua.demo.__file__).parent / "data" / "catalog.json"

# Two agencies and two procedures, valid; each bad case breaks exactly one thing in a copy.
BASE = {
    "agencies": [
        {
            "code": "000.00.00.H46",
            "name": "Ủy ban nhân dân thành phố Huế",
            "level": "province",
            "parent": None,
            "division_code": "46",
        },
        {
            "code": "000.00.11.H46",
            "name": "Sở Tư pháp thành phố Huế",
            "level": "department",
            "parent": "000.00.00.H46",
            "division_code": None,
        },
    ],
    "procedures": [
        {
            "code": "2.000488",
            "name": "Cấp Phiếu lý lịch tư pháp",
            "sector": "Lý lịch tư pháp",
            "level": "province",
            "time_limit": "10 d",
            "online": "full",
            "fees": [{"name": "Phí cung cấp thông tin lý lịch tư pháp", "amount": 200000}],
            "accepts_online_payment": True,
            "registry_connected": True,
            "agencies": ["000.00.11.H46"],
            "required_documents": [
                {"name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "optional": False},
                {"name": "Văn bản ủy quyền", "optional": True},
            ],
            "legal_basis": "Luật Lý lịch tư pháp số 28/2009/QH12",
            "publications": [
                {
                    "kind": "new",
                    "decision": "Quyết định số 2516/QĐ-UBND",
                    "decided_on": "2025-09-26",
                    "public_on": "2025-09-30",
                }
            ],
        },
        {
            "code": "1.001193",
            "name": "Đăng ký khai sinh",
            "sector": "Hộ tịch",
            "level": "commune",
            "time_limit": "1 d",
            "online": "partial",
            "fees": [],
            "accepts_online_payment": False,
            "registry_connected": False,
            "agencies": ["000.00.00.H46"],
            "required_documents": [{"name": "Tờ khai đăng ký khai sinh", "optional": False}],
            "legal_basis": "Luật Hộ tịch số 60/2014/QH13",
            "publications": [],
        },
    ],
}


def catalog() -> dict:
    return copy.deepcopy(BASE)


@pytest.fixture
def write(tmp_path):
    def _write(data, name: str = "catalog.json") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def existing(db):
    """A catalog already in the database, so that a partial write would change the counts."""
    agency = AgencyFactory(code="000.00.99.H46", name="Sở có sẵn", level=Agency.Level.DEPARTMENT)
    ProcedureFactory(code="9.000001", name="Thủ tục có sẵn", agencies=[agency])
    return agency


def run_ok(path: Path, capsys) -> str:
    call_command("import_catalog", str(path))
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out.strip()


def run_rejected(path: Path, capsys) -> tuple[list[str], str]:
    """Import a bad file; assert exit 2 and that nothing was written. Returns the locations."""
    before = (
        Agency.objects.count(),
        Procedure.objects.count(),
        RequiredDocument.objects.count(),
        FeeLine.objects.count(),
        Publication.objects.count(),
        WorkflowStep.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_catalog", str(path))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    after = (
        Agency.objects.count(),
        Procedure.objects.count(),
        RequiredDocument.objects.count(),
        FeeLine.objects.count(),
        Publication.objects.count(),
        WorkflowStep.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
    lines = captured.err.splitlines()
    return [line.split(": ", 1)[0] for line in lines[1:]], captured.err


# --- bad files -------------------------------------------------------------------------------


def test_malformed_json_reports_line_and_column(existing, write, capsys):
    path = write('{"agencies": [\n  {"code": "X",,}\n]}')

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_catalog", str(path))

    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:2:16: JSON sai cú pháp")
    assert (Agency.objects.count(), Procedure.objects.count()) == (1, 1)


def test_missing_file_is_rejected(existing, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_catalog", str(tmp_path / "khong-co.json"))

    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"{tmp_path / 'khong-co.json'}: không tìm thấy tệp\n"
    assert (Agency.objects.count(), Procedure.objects.count()) == (1, 1)


def test_file_not_utf8_is_rejected(existing, tmp_path, capsys):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"agencies": [{"name": "S\xf4 T\xfd ph\xe1p"}]}')

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_catalog", str(path))

    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"{path}: tệp không phải UTF-8\n"


@pytest.mark.parametrize("document", [[], "danh mục", 3, None])
def test_top_level_not_an_object(existing, write, capsys, document):
    locations, _ = run_rejected(write(json.dumps(document)), capsys)

    assert locations == ["$"]


def test_agencies_not_a_list(existing, write, capsys):
    data = catalog()
    data["agencies"] = {"code": "000.00.00.H46"}
    data["procedures"] = []

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["$.agencies"]


def test_unknown_parent_agency(existing, write, capsys):
    data = catalog()
    data["agencies"][1]["parent"] = "000.00.00.H99"

    locations, err = run_rejected(write(data), capsys)

    assert locations == ["agencies[1].parent"]
    assert "000.00.00.H99" in err


def test_parent_may_be_an_agency_already_in_the_database(existing, write, capsys):
    data = catalog()
    data["agencies"][1]["parent"] = existing.code

    run_ok(write(data), capsys)

    assert Agency.objects.get(code="000.00.11.H46").parent == existing


def test_parent_cycle_reports_each_agency_in_the_cycle(existing, write, capsys):
    data = catalog()
    data["agencies"][0]["parent"] = "000.00.11.H46"  # and agencies[1] has agencies[0] as parent

    locations, err = run_rejected(write(data), capsys)

    assert sorted(locations) == ["agencies[0].parent", "agencies[1].parent"]
    assert "vòng lặp" in err


def test_agency_that_is_its_own_parent(existing, write, capsys):
    data = catalog()
    data["agencies"][0]["parent"] = "000.00.00.H46"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["agencies[0].parent"]


def test_agency_below_a_cycle_is_not_blamed_for_it(existing, write, capsys):
    data = catalog()
    data["agencies"][0]["parent"] = "000.00.11.H46"
    data["agencies"].append(
        {
            "code": "000.00.12.H46",
            "name": "Sở Xây dựng",
            "level": "department",
            "parent": "000.00.11.H46",
            "division_code": None,
        }
    )

    locations, _ = run_rejected(write(data), capsys)

    assert sorted(locations) == ["agencies[0].parent", "agencies[1].parent"]


def test_cycle_through_an_agency_only_in_the_database(db, write, capsys):
    """The file makes the root a child of an agency that the database puts below the root."""
    root = AgencyFactory(code="000.00.00.H46", level=Agency.Level.PROVINCE)
    AgencyFactory(code="000.00.11.H46", parent=root)
    data = {"agencies": [catalog()["agencies"][0]], "procedures": []}
    data["agencies"][0]["parent"] = "000.00.11.H46"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["agencies[0].parent"]
    root.refresh_from_db()
    assert root.parent_id is None


def test_agency_without_code_pointing_into_a_cycle_is_reported_not_crashing(
    existing, write, capsys
):
    data = catalog()
    data["agencies"][0]["parent"] = "000.00.11.H46"
    data["agencies"].append({"name": "Không mã", "level": "department", "parent": "000.00.00.H46"})

    locations, _ = run_rejected(write(data), capsys)

    assert sorted(locations) == ["agencies[0].parent", "agencies[1].parent", "agencies[2].code"]


def test_agency_code_with_spaces_and_unknown_parent(existing, write, capsys):
    data = catalog()
    data["agencies"][1]["code"] = " 000.00.11.H46 "
    data["agencies"][1]["parent"] = "000.00.00.H99"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["agencies[1].parent"]


def test_duplicate_agency_codes(existing, write, capsys):
    data = catalog()
    data["agencies"].append({**data["agencies"][1], "name": "Sở Tư pháp (bản trùng)"})

    locations, err = run_rejected(write(data), capsys)

    assert locations == ["agencies[2].code"]
    assert "agencies[1]" in err.splitlines()[1]


def test_duplicate_procedure_codes(existing, write, capsys):
    data = catalog()
    data["procedures"][1]["code"] = "2.000488"

    locations, err = run_rejected(write(data), capsys)

    assert locations == ["procedures[1].code"]
    assert "procedures[0]" in err.splitlines()[1]


@pytest.mark.parametrize("limit", ["3 days", "0 d", 5, "", "d", "3 w", "-2 d", True])
def test_invalid_time_limit(existing, write, capsys, limit):
    data = catalog()
    data["procedures"][0]["time_limit"] = limit

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].time_limit"]


@pytest.mark.parametrize("online", ["fully", "", None, 2])
def test_invalid_online_level(existing, write, capsys, online):
    data = catalog()
    data["procedures"][1]["online"] = online

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[1].online"]


@pytest.mark.parametrize("amount", [-1, 1.5, 50000.0, "50000", None, True, 10**19])
def test_invalid_fee_amount(existing, write, capsys, amount):
    data = catalog()
    data["procedures"][0]["fees"].append({"name": "Lệ phí", "amount": amount})

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].fees[1].amount"]


def test_unknown_agency_in_a_procedure(existing, write, capsys):
    data = catalog()
    data["procedures"][1]["agencies"] = ["000.00.00.H46", "000.00.77.H46"]

    locations, err = run_rejected(write(data), capsys)

    assert locations == ["procedures[1].agencies[1]"]
    assert "000.00.77.H46" in err


@pytest.mark.parametrize("code", [{"code": "000.00.11.H46"}, ["000.00.11.H46"], 11, None])
def test_procedure_agency_that_is_not_a_code(existing, write, capsys, code):
    data = catalog()
    data["procedures"][0]["agencies"] = [code]

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].agencies[0]"]


def test_procedure_without_agencies(existing, write, capsys):
    data = catalog()
    data["procedures"][0]["agencies"] = []

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].agencies"]


@pytest.mark.parametrize("level", ["district", "", None, "Commune"])
def test_bad_procedure_level(existing, write, capsys, level):
    data = catalog()
    data["procedures"][0]["level"] = level

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].level"]


def test_bad_agency_level(existing, write, capsys):
    data = catalog()
    data["agencies"][1]["level"] = "district"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["agencies[1].level"]


@pytest.mark.parametrize(
    "day", ["2025-02-30", "26/09/2025", "2025-9-26", "20250926", "2025-W39-5", 20250926, None]
)
def test_bad_decided_on(existing, write, capsys, day):
    data = catalog()
    data["procedures"][0]["publications"][0]["decided_on"] = day

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].publications[0].decided_on"]


@pytest.mark.parametrize("day", ["2025-13-01", "30/09/2025", ""])
def test_bad_public_on(existing, write, capsys, day):
    data = catalog()
    data["procedures"][0]["publications"][0]["public_on"] = day

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].publications[0].public_on"]


def test_public_on_before_decided_on(existing, write, capsys):
    data = catalog()
    data["procedures"][0]["publications"][0]["public_on"] = "2025-09-25"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].publications[0].public_on"]


def test_bad_publication_kind(existing, write, capsys):
    data = catalog()
    data["procedures"][0]["publications"][0]["kind"] = "repealed"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[0].publications[0].kind"]


@pytest.mark.parametrize("division", ["99999", "99", 46, ""])
def test_unknown_division_code(existing, write, capsys, division):
    data = catalog()
    data["agencies"][1]["division_code"] = division

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["agencies[1].division_code"]


@pytest.mark.parametrize(
    ("where", "key", "limit"),
    [
        ("procedures", "code", 32),
        ("procedures", "name", 500),
        ("procedures", "sector", 200),
        ("agencies", "code", 64),
        ("agencies", "name", 255),
    ],
)
def test_text_longer_than_the_column(existing, write, capsys, where, key, limit):
    data = catalog()
    data[where][1][key] = "X" * (limit + 1)
    if (where, key) == ("agencies", "code"):
        data["procedures"][0]["agencies"] = ["000.00.00.H46"]

    locations, _ = run_rejected(write(data), capsys)

    assert locations == [f"{where}[1].{key}"]


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("procedures", 0), "name"),
        (("procedures", 0), "legal_basis"),
        (("agencies", 1), "name"),
    ],
)
def test_text_with_a_nul_character(existing, write, capsys, path, key):
    data = catalog()
    data[path[0]][path[1]][key] = "Sở\u0000Tư pháp"

    locations, _ = run_rejected(write(data), capsys)

    assert locations == [f"{path[0]}[{path[1]}].{key}"]


@pytest.mark.parametrize("legal_basis", [["Luật Hộ tịch"], 60])
def test_legal_basis_not_text(existing, write, capsys, legal_basis):
    data = catalog()
    data["procedures"][1]["legal_basis"] = legal_basis

    locations, _ = run_rejected(write(data), capsys)

    assert locations == ["procedures[1].legal_basis"]


@pytest.mark.parametrize("key", ["accepts_online_payment", "registry_connected"])
def test_flags_must_be_booleans(existing, write, capsys, key):
    data = catalog()
    data["procedures"][0][key] = "true"
    data["procedures"][0]["required_documents"][1]["optional"] = 1

    locations, _ = run_rejected(write(data), capsys)

    assert locations == [f"procedures[0].{key}", "procedures[0].required_documents[1].optional"]


def test_records_that_are_not_objects(existing, write, capsys):
    data = catalog()
    data["agencies"].append("000.00.12.H46")
    data["procedures"].append(["1.000656"])
    data["procedures"][0]["fees"].append(50000)
    data["procedures"][0]["required_documents"].append("Tờ khai")
    data["procedures"][0]["publications"].append(None)

    locations, _ = run_rejected(write(data), capsys)

    assert sorted(locations) == [
        "agencies[2]",
        "procedures[0].fees[1]",
        "procedures[0].publications[1]",
        "procedures[0].required_documents[2]",
        "procedures[2]",
    ]


def test_bad_nested_text_lengths(existing, write, capsys):
    data = catalog()
    data["procedures"][0]["fees"][0]["name"] = "P" * 301
    data["procedures"][0]["required_documents"][0]["name"] = "G" * 501
    data["procedures"][0]["publications"][0]["decision"] = "Q" * 201

    locations, _ = run_rejected(write(data), capsys)

    assert sorted(locations) == [
        "procedures[0].fees[0].name",
        "procedures[0].publications[0].decision",
        "procedures[0].required_documents[0].name",
    ]


def test_a_file_with_several_errors_reports_all_of_them(existing, write, capsys):
    data = catalog()
    data["agencies"][1]["parent"] = "000.00.00.H99"
    data["agencies"][1]["division_code"] = "99999"
    data["procedures"][0]["time_limit"] = "3 days"
    data["procedures"][0]["fees"][0]["amount"] = -5000
    data["procedures"][0]["publications"][0]["decided_on"] = "2025-02-30"
    data["procedures"][1]["online"] = "fully"
    data["procedures"][1]["level"] = "district"
    data["procedures"][1]["agencies"] = ["000.00.77.H46"]

    locations, err = run_rejected(write(data), capsys)

    assert err.splitlines()[0] == "Tệp danh mục có 8 lỗi; không có dữ liệu nào được ghi."
    assert sorted(locations) == [
        "agencies[1].division_code",
        "agencies[1].parent",
        "procedures[0].fees[0].amount",
        "procedures[0].publications[0].decided_on",
        "procedures[0].time_limit",
        "procedures[1].agencies[0]",
        "procedures[1].level",
        "procedures[1].online",
    ]


def test_service_raises_catalog_errors_with_every_problem(db):
    data = catalog()
    data["procedures"][0]["time_limit"] = "0 d"
    data["procedures"][1]["fees"] = [{"name": "", "amount": 1}]

    with pytest.raises(CatalogErrors) as error:
        catalog_import(actor=None, data=data)

    assert [where for where, _ in error.value.problems] == [
        "procedures[0].time_limit",
        "procedures[1].fees[0].name",
    ]
    assert error.value.code == "invalid_catalog"
    assert set(error.value.fields) == {"procedures[0].time_limit", "procedures[1].fees[0].name"}
    assert Agency.objects.count() == 0


def test_a_rejected_import_leaves_an_earlier_import_untouched(db, write, capsys):
    run_ok(write(catalog()), capsys)
    data = catalog()
    data["procedures"][0]["name"] = "Tên mới"
    data["procedures"][0]["fees"] = []
    data["procedures"][1]["time_limit"] = "1 week"

    run_rejected(write(data), capsys)

    procedure = Procedure.objects.get(code="2.000488")
    assert procedure.name == "Cấp Phiếu lý lịch tư pháp"
    assert list(procedure.fees.values_list("amount", flat=True)) == [200000]


# --- good files ------------------------------------------------------------------------------


def snapshot() -> dict:
    """Everything an import writes, without surrogate ids."""
    return {
        "agencies": list(
            Agency.objects.order_by("code").values_list(
                "code", "name", "level", "parent__code", "division__code"
            )
        ),
        "procedures": list(
            Procedure.objects.order_by("code").values_list(
                "code",
                "name",
                "name_folded",
                "sector__name",
                "level",
                "time_limit",
                "online",
                "accepts_online_payment",
                "registry_connected",
                "legal_basis",
                "is_active",
            )
        ),
        "handled_by": list(
            Procedure.agencies.through.objects.order_by(
                "procedure__code", "agency__code"
            ).values_list("procedure__code", "agency__code")
        ),
        "documents": list(
            RequiredDocument.objects.order_by("procedure__code", "position").values_list(
                "procedure__code", "position", "name", "optional", "form"
            )
        ),
        "fees": list(
            FeeLine.objects.order_by("procedure__code", "id").values_list(
                "procedure__code", "name", "amount"
            )
        ),
        "publications": list(
            Publication.objects.order_by("procedure__code", "decided_on").values_list(
                "procedure__code", "kind", "decision", "decided_on", "public_on"
            )
        ),
        "steps": list(
            WorkflowStep.objects.order_by("procedure__code", "position").values_list(
                "procedure__code", "position", "name", "role", "share_percent", "agency"
            )
        ),
    }


def test_demo_catalog_imports(db, capsys):
    out = run_ok(DEMO_CATALOG, capsys)

    # The bundles' social-insurance office and their two procedures (demo/bundles.py) included.
    assert out == "Cơ quan: 27 mới, 0 cập nhật; thủ tục: 62 mới, 0 cập nhật."
    assert Agency.objects.count() == 27
    assert Procedure.objects.count() == 62
    birth = Procedure.objects.get(code="1.001193")
    assert birth.name == "Đăng ký khai sinh"
    assert birth.name_folded == "dang ki khai sinh"
    assert birth.sector.name == "Hộ tịch"
    assert (birth.level, birth.time_limit, birth.online) == ("commune", "1 d", "full")
    assert (birth.accepts_online_payment, birth.registry_connected) == (False, True)
    assert birth.documents.count() == 4
    assert list(birth.documents.values_list("position", "optional")) == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
    ]
    assert birth.fees.count() == 0
    assert list(birth.publications.values_list("decision", "decided_on", "public_on")) == [
        ("Quyết định số 2095/QĐ-UBND", date(2025, 7, 22), date(2025, 7, 28))
    ]
    assert birth.agencies.count() == 12
    assert birth.legal_basis.startswith("Luật Hộ tịch số 60/2014/QH13; ")
    records = Procedure.objects.get(code="2.000488")
    # Alternatives by category (one applies), not lines to add up: tests/catalog/test_fees.py.
    assert list(records.fees.values_list("name", "amount", "group")) == [
        ("Phí cung cấp thông tin lý lịch tư pháp", 200000, "doi_tuong"),
        (
            "Phí cung cấp thông tin lý lịch tư pháp (sinh viên, người có công với cách mạng, "
            "thân nhân liệt sĩ)",
            100000,
            "doi_tuong",
        ),
        ("Miễn phí cung cấp thông tin lý lịch tư pháp", 0, "doi_tuong"),
    ]
    assert records.documents.count() == 4
    assert records.publications.count() == 2
    assert list(records.agencies.values_list("code", flat=True)) == ["000.00.11.H46"]


def test_demo_catalog_agencies_tree_and_divisions(db, capsys):
    run_ok(DEMO_CATALOG, capsys)

    root = Agency.objects.get(code="000.00.00.H46")
    assert (root.level, root.parent_id, root.division.code) == ("province", None, "46")
    assert root.children.count() == 26
    ward = Agency.objects.get(code="000.50.01.H46")
    assert (ward.level, ward.parent, ward.division.code) == ("commune", root, "19786")
    assert ward.division.parent.code == "46"
    assert Division.objects.filter(parent__isnull=True).count() == 34


def test_demo_catalog_gets_the_default_workflow(db, capsys):
    run_ok(DEMO_CATALOG, capsys)

    assert WorkflowStep.objects.count() == 124
    birth = Procedure.objects.get(code="1.001193")
    assert list(birth.steps.values_list("position", "role", "share_percent", "agency")) == [
        (1, Role.SPECIALIST, 70, None),
        (2, Role.APPROVER, 30, None),
    ]


def test_demo_catalog_import_is_idempotent(db, capsys):
    run_ok(DEMO_CATALOG, capsys)
    first = snapshot()

    out = run_ok(DEMO_CATALOG, capsys)

    assert out == "Cơ quan: 0 mới, 27 cập nhật; thủ tục: 0 mới, 62 cập nhật."
    assert snapshot() == first
    assert AuditEvent.objects.filter(action="catalog.import").count() == 2


def test_incomplete_published_data_is_accepted(db, write, capsys):
    data = catalog()
    data["procedures"][0]["time_limit"] = None
    data["procedures"][0]["required_documents"] = []
    data["procedures"][0]["legal_basis"] = ""
    data["procedures"][1].pop("time_limit")
    data["procedures"][1].pop("required_documents")
    data["procedures"][1]["legal_basis"] = None

    run_ok(write(data), capsys)

    first, second = Procedure.objects.get(code="2.000488"), Procedure.objects.get(code="1.001193")
    assert (first.time_limit, first.documents.count(), first.legal_basis) == (None, 0, "")
    assert (second.time_limit, second.documents.count(), second.legal_basis) == (None, 0, "")
    assert first.duration is None


@pytest.mark.parametrize(
    ("written", "stored", "minutes"),
    [
        ("3 d", "3 d", 3 * 8 * 60),
        ("3d", "3 d", 3 * 8 * 60),
        ("4h", "4 h", 240),
        (" 4 H ", "4 h", 240),
    ],
)
def test_time_limit_is_normalised(db, write, capsys, written, stored, minutes):
    data = catalog()
    data["procedures"][0]["time_limit"] = written

    run_ok(write(data), capsys)

    procedure = Procedure.objects.get(code="2.000488")
    assert procedure.time_limit == stored
    assert procedure.duration.minutes == minutes


def test_reimport_updates_name_and_replaces_children(db, write, capsys):
    run_ok(write(catalog()), capsys)
    data = catalog()
    data["procedures"][0]["name"] = "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"
    data["procedures"][0]["fees"] = [
        {"name": "Phí (sinh viên)", "amount": 100000},
        {"name": "Phí cấp từ Phiếu thứ 3", "amount": 5000},
    ]
    data["procedures"][0]["required_documents"] = [{"name": "Tờ khai mới", "optional": False}]
    data["procedures"][0]["publications"].append(
        {
            "kind": "amended",
            "decision": "Quyết định số 947/QĐ-UBND",
            "decided_on": "2026-05-06",
            "public_on": None,
        }
    )
    data["procedures"][0]["agencies"] = ["000.00.00.H46", "000.00.11.H46"]
    data["agencies"][1]["name"] = "Sở Tư pháp"

    out = run_ok(write(data), capsys)

    assert out == "Cơ quan: 0 mới, 2 cập nhật; thủ tục: 0 mới, 2 cập nhật."
    procedure = Procedure.objects.get(code="2.000488")
    assert procedure.name == "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"
    assert procedure.name_folded == "cap phieu li lich tu phap cho cong dan viet nam"
    assert list(procedure.fees.values_list("name", "amount")) == [
        ("Phí (sinh viên)", 100000),
        ("Phí cấp từ Phiếu thứ 3", 5000),
    ]
    assert FeeLine.objects.count() == 2
    assert list(procedure.documents.values_list("name", flat=True)) == ["Tờ khai mới"]
    assert list(procedure.publications.values_list("kind", "public_on")) == [
        ("new", date(2025, 9, 30)),
        ("amended", None),
    ]
    assert sorted(procedure.agencies.values_list("code", flat=True)) == [
        "000.00.00.H46",
        "000.00.11.H46",
    ]
    assert Agency.objects.get(code="000.00.11.H46").name == "Sở Tư pháp"


def test_reimport_keeps_a_refined_workflow(db, write, capsys):
    run_ok(write(catalog()), capsys)
    procedure = Procedure.objects.get(code="2.000488")
    procedure.steps.all().delete()
    WorkflowStep.objects.create(
        procedure=procedure, position=1, name="Xử lý", role=Role.SPECIALIST, share_percent=100
    )

    run_ok(write(catalog()), capsys)

    assert list(procedure.steps.values_list("name", "share_percent")) == [("Xử lý", 100)]


def test_reimport_moves_an_agency_to_a_new_parent(db, write, capsys):
    run_ok(write(catalog()), capsys)
    data = catalog()
    data["agencies"][1]["parent"] = None

    run_ok(write(data), capsys)

    assert Agency.objects.get(code="000.00.11.H46").parent_id is None


def test_child_agency_may_come_before_its_parent(db, write, capsys):
    data = catalog()
    data["agencies"].reverse()

    run_ok(write(data), capsys)

    assert Agency.objects.get(code="000.00.11.H46").parent.code == "000.00.00.H46"


def test_procedure_may_name_an_agency_already_in_the_database(existing, write, capsys):
    data = catalog()
    data["procedures"][0]["agencies"] = [existing.code]

    out = run_ok(write(data), capsys)

    assert out == "Cơ quan: 2 mới, 0 cập nhật; thủ tục: 2 mới, 0 cập nhật."
    procedure = Procedure.objects.get(code="2.000488")
    assert list(procedure.agencies.all()) == [existing]


def test_publications_absent_or_empty_are_accepted(db, write, capsys):
    data = catalog()
    data["procedures"][0].pop("publications")

    run_ok(write(data), capsys)

    assert Publication.objects.count() == 0
    assert Procedure.objects.count() == 2


def test_optional_keys_default(db, write, capsys):
    data = {
        "agencies": [{"code": "H15.50.05.13", "name": "UBND xã thử", "level": "commune"}],
        "procedures": [
            {
                "code": "1.000656",
                "name": "Đăng ký khai tử",
                "sector": "Hộ tịch",
                "level": "commune",
                "agencies": ["H15.50.05.13"],
            }
        ],
    }

    run_ok(write(data), capsys)

    agency = Agency.objects.get(code="H15.50.05.13")
    assert (agency.parent_id, agency.division_id) == (None, None)
    procedure = Procedure.objects.get(code="1.000656")
    assert (procedure.online, procedure.time_limit, procedure.legal_basis) == ("none", None, "")
    assert (procedure.accepts_online_payment, procedure.registry_connected) == (False, False)
    assert procedure.fees.count() == 0


def test_division_code_is_normalised(db, write, capsys):
    data = catalog()
    data["agencies"][0]["division_code"] = "1"

    run_ok(write(data), capsys)

    assert Agency.objects.get(code="000.00.00.H46").division.code == "01"


def test_import_records_an_audit_event(db, write, capsys):
    run_ok(write(catalog()), capsys)

    event = AuditEvent.objects.get(action="catalog.import")
    assert (event.actor, event.object_type) == (None, "catalog")
    assert event.data == {
        "agencies": 2,
        "procedures": 2,
        "agencies_created": 2,
        "agencies_updated": 0,
        "procedures_created": 2,
        "procedures_updated": 0,
    }
