"""Fee lines: additions and alternatives (`catalog.fees`), the import contract's optional keys,
the procedure page and the API, and the demo catalog checked line by line against its
published fees."""

from __future__ import annotations

import copy
import json

import pytest

from motcua.catalog.fees import fee_amount_due, fee_groups
from motcua.catalog.models import FeeLine, Procedure
from motcua.catalog.services import CatalogErrors, catalog_import
from motcua.core.errors import ValidationFailed
from tests.catalog.test_import_catalog import BASE, DEMO_CATALOG
from tests.factories import FeeLineFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

GENERAL = "Công dân không thuộc đối tượng được giảm, miễn phí"
STUDENT = "Sinh viên, người có công với cách mạng, thân nhân liệt sĩ"
EXEMPT = "Trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo"


@pytest.fixture
def records(agency):
    procedure = ProcedureFactory(code="2.000488", agencies=[agency])
    for name, amount, condition in (
        ("Phí cung cấp thông tin", 200_000, GENERAL),
        ("Phí cung cấp thông tin (giảm)", 100_000, STUDENT),
        ("Miễn phí cung cấp thông tin", 0, EXEMPT),
    ):
        FeeLineFactory(
            procedure=procedure, name=name, amount=amount, group="doi_tuong", condition=condition
        )
    return procedure


@pytest.fixture
def residence(agency):
    """A fee that is lower online, plus a charge added whatever the channel."""
    procedure = ProcedureFactory(code="1.004222", agencies=[agency])
    FeeLineFactory(
        procedure=procedure,
        name="Lệ phí (trực tiếp)",
        amount=20_000,
        group="le_phi",
        condition="Nộp hồ sơ trực tiếp",
        channel="direct",
    )
    FeeLineFactory(
        procedure=procedure,
        name="Lệ phí (trực tuyến)",
        amount=10_000,
        group="le_phi",
        condition="Nộp hồ sơ trực tuyến",
        channel="online",
    )
    FeeLineFactory(procedure=procedure, name="Phí bưu chính", amount=3_000)
    return procedure


# --- the rule ---------------------------------------------------------------------------------


def test_lines_without_a_group_add_up(procedure):
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp phiếu", amount=200_000)
    FeeLineFactory(procedure=procedure, name="Phí bưu chính", amount=25_000)

    due = fee_amount_due(procedure, None, channel="online")

    assert (due.amount, due.lines(), due.choice) == (
        225_000,
        [
            {"name": "Lệ phí cấp phiếu", "amount": 200_000},
            {"name": "Phí bưu chính", "amount": 25_000},
        ],
        {},
    )


@pytest.mark.parametrize(
    ("category", "amount"), [(GENERAL, 200_000), (STUDENT, 100_000), (EXEMPT, 0)]
)
@pytest.mark.parametrize("channel", ["online", "direct", "postal"])
def test_one_alternative_applies_never_the_sum(records, category, amount, channel):
    due = fee_amount_due(records, {"doi_tuong": category}, channel=channel)

    assert (due.amount, due.choice, due.categories) == (
        amount,
        {"doi_tuong": category},
        [category],
    )


def test_a_missing_category_is_refused_in_vietnamese(records):
    with pytest.raises(ValidationFailed) as refused:
        fee_amount_due(records, {}, channel="online")

    assert refused.value.code == "fee_choice_missing"
    assert refused.value.fields == {"fee_choice": "required"}
    assert refused.value.message == (
        f"Hãy chọn đối tượng nộp phí, lệ phí: {GENERAL}; {STUDENT}; {EXEMPT}. "
        "Mức phí phụ thuộc vào đối tượng được chọn."
    )


@pytest.mark.parametrize(
    "choice",
    [{"doi_tuong": "Doanh nghiệp"}, {"khac": GENERAL}, {"doi_tuong": GENERAL, "khac": "x"}],
)
def test_an_invalid_category_is_refused(records, choice):
    with pytest.raises(ValidationFailed) as refused:
        fee_amount_due(records, choice, channel="direct")

    assert refused.value.code == "fee_choice_invalid"


@pytest.mark.parametrize(
    ("channel", "amount", "choice"),
    [
        ("online", 13_000, {"le_phi": "Nộp hồ sơ trực tuyến"}),
        ("direct", 23_000, {"le_phi": "Nộp hồ sơ trực tiếp"}),
        ("postal", 23_000, {"le_phi": "Nộp hồ sơ trực tiếp"}),
    ],
)
def test_the_channel_settles_a_group_alone(residence, channel, amount, choice):
    assert fee_groups(residence, channel=channel) == []

    due = fee_amount_due(residence, None, channel=channel)

    assert (due.amount, due.choice) == (amount, choice)


def test_a_rate_of_the_other_channel_is_refused(residence):
    with pytest.raises(ValidationFailed, match="không áp dụng cho thủ tục này khi nộp trực tuyến"):
        fee_amount_due(residence, {"le_phi": "Nộp hồ sơ trực tiếp"}, channel="online")


# --- the import contract ----------------------------------------------------------------------


def catalog_with(fees: list) -> dict:
    data = copy.deepcopy(BASE)
    data["procedures"][0]["fees"] = fees
    return data


def test_the_import_keeps_groups_conditions_and_channels(db):
    catalog_import(
        actor=None,
        data=catalog_with(
            [
                {"name": "Phí", "amount": 200000, "group": "doi_tuong", "condition": GENERAL},
                {"name": "Phí", "amount": 100000, "group": "doi_tuong", "condition": STUDENT},
                {"name": "Lệ phí", "amount": 50000, "channel": "direct"},
            ]
        ),
    )

    procedure = Procedure.objects.get(code="2.000488")
    assert list(procedure.fees.values_list("name", "amount", "group", "condition", "channel")) == [
        ("Phí", 200000, "doi_tuong", GENERAL, ""),
        ("Phí", 100000, "doi_tuong", STUDENT, ""),
        ("Lệ phí", 50000, "", "", "direct"),
    ]
    assert fee_amount_due(procedure, {"doi_tuong": STUDENT}, channel="direct").amount == 150000
    assert fee_amount_due(procedure, {"doi_tuong": STUDENT}, channel="online").amount == 100000


def test_a_file_with_only_names_and_amounts_adds_every_line(db):
    catalog_import(
        actor=None,
        data=catalog_with([{"name": "Lệ phí", "amount": 100000}, {"name": "Phí", "amount": 5}]),
    )

    procedure = Procedure.objects.get(code="2.000488")
    assert fee_amount_due(procedure, None, channel="online").amount == 100005


@pytest.mark.parametrize(
    ("fees", "where", "why"),
    [
        (
            [
                {"name": "A", "amount": 1, "group": "g"},
                {"name": "B", "amount": 2, "group": "g", "condition": "Y"},
            ],
            "procedures[0].fees[0].condition",
            "mức thuộc nhóm “g” phải ghi đối tượng áp dụng",
        ),
        (
            [
                {"name": "A", "amount": 1, "group": "g", "condition": "X"},
                {"name": "B", "amount": 2, "group": "g", "condition": "X"},
            ],
            "procedures[0].fees[1].condition",
            "đối tượng “X” trùng với dòng 0 của nhóm “g”",
        ),
        (
            [{"name": "A", "amount": 1, "group": "g", "condition": "X", "channel": "online"}],
            "procedures[0].fees",
            "nhóm “g” không có mức nào áp dụng khi nộp trực tiếp",
        ),
        (
            [{"name": "A", "amount": 1, "channel": "buu_chinh"}],
            "procedures[0].fees[0].channel",
            "phải là online, direct hoặc để trống",
        ),
    ],
)
def test_bad_alternatives_are_located_and_nothing_is_written(db, fees, where, why):
    with pytest.raises(CatalogErrors) as refused:
        catalog_import(actor=None, data=catalog_with(fees))

    assert refused.value.problems == [(where, why)]
    assert FeeLine.objects.count() == 0


# --- what people read ----------------------------------------------------------------------------


def test_the_procedure_page_shows_alternatives_as_one_of_the_rates(client, records):
    html = client.get("/thu-tuc/2.000488/").content.decode()

    assert "Một trong các mức sau, tùy trường hợp (không cộng dồn):" in html
    assert f"<strong>{STUDENT}</strong>: 100.000 đồng" in html
    assert f"<strong>{EXEMPT}</strong>: miễn" in html
    assert "300.000" not in html


def test_the_api_says_which_lines_are_alternatives(client, records):
    fees = client.get("/api/v1/procedures/2.000488").json()["fees"]

    assert fees[1] == {
        "name": "Phí cung cấp thông tin (giảm)",
        "amount": 100_000,
        "group": "doi_tuong",
        "condition": STUDENT,
        "channel": "",
    }


# --- the demo catalog, line by line -------------------------------------------------------------

# Every demo procedure with more than one fee line: the amount due per channel and category,
# as published (Thông tư 75/2022/TT-BTC for residence; 244/2016/TT-BTC for judicial records;
# 47/2019/TT-BTC for enterprise registration, waived online, plus the publication fee).
RESIDENCE_DIRECT = "Nộp hồ sơ trực tiếp hoặc qua bưu chính"
RESIDENCE_ONLINE = "Nộp hồ sơ trực tuyến"
RECORDS_GENERAL = "Công dân, người nước ngoài không thuộc đối tượng được giảm, miễn phí"
RECORDS_REDUCED = "Sinh viên, người có công với cách mạng, thân nhân liệt sĩ"
RECORDS_EXEMPT = (
    "Trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo, người cư trú tại xã đặc "
    "biệt khó khăn, đồng bào dân tộc thiểu số ở xã có điều kiện kinh tế - xã hội đặc biệt khó khăn"
)
EXPECTED_DUE = {
    # code: [(channel, category or None, amount due)]
    "1.004222": [("direct", None, 20_000), ("postal", None, 20_000), ("online", None, 10_000)],
    "1.004194": [("direct", None, 15_000), ("online", None, 7_000)],
    "1.004206": [("direct", None, 15_000), ("online", None, 7_000)],
    "1.004217": [("direct", None, 10_000), ("online", None, 5_000)],
    "2.000488": [
        ("online", RECORDS_GENERAL, 200_000),
        ("online", RECORDS_REDUCED, 100_000),
        ("online", RECORDS_EXEMPT, 0),
        ("direct", RECORDS_GENERAL, 200_000),
        ("direct", RECORDS_REDUCED, 100_000),
        ("direct", RECORDS_EXEMPT, 0),
    ],
    "2.001610": [("direct", None, 150_000), ("online", None, 100_000)],
    "2.001199": [("direct", None, 150_000), ("online", None, 100_000)],
}
# Settled by the channel alone, and recorded as such.
SETTLED = {"direct": RESIDENCE_DIRECT, "postal": RESIDENCE_DIRECT, "online": RESIDENCE_ONLINE}


@pytest.fixture
def demo_catalog(db):
    data = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    catalog_import(actor=None, data=data)
    return data


def test_every_multi_line_procedure_of_the_demo_is_in_the_table(demo_catalog):
    several = {p["code"] for p in demo_catalog["procedures"] if len(p.get("fees") or []) > 1}

    assert several == set(EXPECTED_DUE)


@pytest.mark.parametrize("code", sorted(EXPECTED_DUE))
def test_the_demo_catalog_charges_what_is_published(demo_catalog, code):
    procedure = Procedure.objects.get(code=code)
    for channel, category, amount in EXPECTED_DUE[code]:
        groups = fee_groups(procedure, channel=channel)
        choice = {groups[0].key: category} if category else None
        assert [g.key for g in groups] == (["doi_tuong"] if category else []), (channel, category)
        due = fee_amount_due(procedure, choice, channel=channel)
        assert due.amount == amount, (code, channel, category)
        if code.startswith("1.0042"):
            assert due.choice == {"le_phi": SETTLED[channel]}
    if code == "2.000488":
        with pytest.raises(ValidationFailed):
            fee_amount_due(procedure, None, channel="online")


def test_single_line_demo_fees_are_charged_as_published(demo_catalog):
    for record in demo_catalog["procedures"]:
        fees = record.get("fees") or []
        if len(fees) != 1:
            continue
        procedure = Procedure.objects.get(code=record["code"])
        for channel in ("online", "direct"):
            assert fee_amount_due(procedure, None, channel=channel).amount == fees[0]["amount"]


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_refuses_an_alternative_without_its_condition(admin_client, records):
    from tests.catalog.test_admin import change_form_data

    url = f"/admin/catalog/procedure/{records.pk}/change/"
    data = change_form_data(admin_client.get(url))
    assert data["fees-1-condition"] == STUDENT
    data["fees-1-condition"] = ""

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "mức thuộc nhóm “doi_tuong” phải ghi đối tượng áp dụng" in response.content.decode()
    assert list(records.fees.values_list("condition", flat=True)) == [GENERAL, STUDENT, EXEMPT]
