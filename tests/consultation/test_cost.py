"""The standard cost model: exact figures, every parameter's range edges named in the refusal,
the numbers people type, and the fees read from the catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.consultation.cost import RANGES, CostParams, catalog_fees, params_check
from motcua.consultation.models import CostParameters
from motcua.consultation.services import cost_parameters_set, procedure_cost
from motcua.core.errors import PermissionDenied, ValidationFailed

GOOD = {
    "hours": "2,5",
    "hourly_cost": "40.000",
    "fees": "250000",
    "other_costs": "30.000",
    "frequency": "1,5",
    "subjects": "12.000",
}


def test_a_worked_example_by_hand():
    # Given 2.5 hours at 40,000 đ = 100,000 đ of time; 250,000 đ of fees; 30,000 đ other
    # costs: 380,000 đ per application; 1.5 times a year by 12,000 subjects:
    # 380,000 × 1.5 × 12,000 = 6,840,000,000 đ a year.
    params = params_check(GOOD)

    assert params == CostParams(
        hours=Decimal("2.5"),
        hourly_cost=40_000,
        fees=250_000,
        other_costs=30_000,
        frequency=Decimal("1.5"),
        subjects=12_000,
    )
    assert params.per_application == 380_000
    assert params.per_year == 6_840_000_000


def test_the_time_cost_is_rounded_to_the_dong_half_up_before_the_year():
    # 0.5 h × 30,001 đ = 15,000.5 → 15,001 đ; × 0.33 × 3 subjects = 14,850.99 → 14,851 đ.
    params = params_check(
        {
            **GOOD,
            "hours": "0.5",
            "hourly_cost": "30001",
            "fees": "0",
            "other_costs": "0",
            "frequency": "0.33",
            "subjects": "3",
        }
    )

    assert params.per_application == 15_001
    assert params.per_year == 14_851


def test_the_largest_parameters_compute_exactly():
    top = {name: str(rule.high) for name, rule in RANGES.items()}

    params = params_check(top)

    per_application = 10_000 * 10_000_000 + 1_000_000_000 + 1_000_000_000
    assert params.per_year == per_application * 1_000 * 100_000_000


EDGES = [
    ("hours", "0", "10000", "-0,01", "10000,01"),
    ("hourly_cost", "0", "10.000.000", "-1", "10.000.001"),
    ("fees", "0", "1.000.000.000", "-1", "1.000.000.001"),
    ("other_costs", "0", "1.000.000.000", "-1", "1.000.000.001"),
    ("frequency", "0", "1000", "-0,01", "1000,01"),
    ("subjects", "0", "100.000.000", "-1", "100.000.001"),
]


@pytest.mark.parametrize(("field", "low", "high", "below", "above"), EDGES)
def test_every_parameter_takes_its_edges_and_refuses_beyond_them_by_name(
    field, low, high, below, above
):
    assert params_check({**GOOD, field: low}) is not None
    assert params_check({**GOOD, field: high}) is not None
    for bad in (below, above):
        with pytest.raises(ValidationFailed) as refused:
            params_check({**GOOD, field: bad})
        assert refused.value.fields == {field: "out_of_range"}
        assert str(RANGES[field].label) in refused.value.message


def test_the_message_names_the_field_and_its_range():
    with pytest.raises(ValidationFailed) as refused:
        params_check({**GOOD, "subjects": "100.000.001"})

    assert refused.value.message == (
        "Số đối tượng thực hiện mỗi năm phải từ 0 đến 100.000.000 (đang là 100.000.001)."
    )


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("hours", "", "required"),
        ("hours", "hai giờ", "invalid"),
        ("hours", "1,255", "too_precise"),
        ("subjects", "NaN", "invalid"),
        ("frequency", "Infinity", "invalid"),
        ("hourly_cost", "1e400", "invalid"),
        ("hourly_cost", "1,5", "invalid"),
    ],
)
def test_what_is_not_a_number_in_range_is_refused_by_name(field, value, why):
    with pytest.raises(ValidationFailed) as refused:
        params_check({**GOOD, field: value})

    assert refused.value.fields == {field: why}


def test_the_fees_are_the_catalogs_additions_plus_each_groups_general_rate(p):
    # 50,000 always added; the group's alternatives 200,000 (general) and 100,000 (reduced).
    assert catalog_fees(p.procedure) == 250_000


def test_staff_of_the_procedures_agency_enter_the_parameters_and_the_page_computes(p, client):
    cost_parameters_set(
        actor=p.approver,
        procedure=p.procedure,
        values={k: v for k, v in GOOD.items() if k != "fees"},
    )

    params = procedure_cost(p.procedure)
    assert params is not None and params.per_year == 6_840_000_000
    page = client.get("/gop-y/chi-phi/2.000488/").content.decode()
    assert "6.840.000.000 đ" in page


def test_a_refused_parameter_writes_nothing(p):
    with pytest.raises(ValidationFailed) as refused:
        cost_parameters_set(
            actor=p.approver,
            procedure=p.procedure,
            values={**GOOD, "hours": "10000,01"},
        )

    assert refused.value.fields == {"hours": "out_of_range"}
    assert CostParameters.objects.count() == 0


@pytest.mark.parametrize("who", ["citizen", "reception", "outsider"])
def test_only_managers_of_the_procedures_agency_enter_parameters(p, who):
    with pytest.raises(PermissionDenied):
        cost_parameters_set(actor=getattr(p, who), procedure=p.procedure, values=GOOD)

    assert CostParameters.objects.count() == 0


def test_the_edit_page_names_the_bad_field(p, client):
    client.force_login(p.approver)

    response = client.post(
        "/gop-y/quan-ly/chi-phi/2.000488/",
        {
            "so_gio": "2",
            "chi_phi_gio": "10.000.001",
            "chi_phi_khac": "0",
            "so_lan": "1",
            "so_doi_tuong": "10",
        },
    )

    assert response.status_code == 400
    assert "Chi phí một giờ phải từ 0 đến 10.000.000 (đang là 10.000.001)." in (
        response.content.decode()
    )
    assert CostParameters.objects.count() == 0
