"""Transfer (liên thông) to another agency chosen by its name, as officers know agencies, not
only by its identification code; a name that fits none or several is explained."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier, State
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(db):
    """Two communes' justice offices sharing a name, and one more agency with a close name."""
    return [
        AgencyFactory(code="000.01.21.H99", name="Phòng Tư pháp"),
        AgencyFactory(code="000.01.22.H99", name="Phòng Tư pháp"),
        AgencyFactory(code="000.00.14.H99", name="Sở Tài nguyên và Môi trường thử nghiệm"),
    ]


def transfer(specialist, dossier: Dossier, typed: str):
    client = Client()
    client.force_login(specialist)
    return client.post(
        f"/mot-cua/xu-ly/{dossier.code}/lien-thong/",
        {"version": dossier.version, "agency": typed, "note": "Đề nghị xác minh"},
    )


def state_of(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (fresh.state, fresh.version, fresh.transfer_agency_id, fresh.events.count())


@pytest.mark.parametrize(
    "typed",
    [
        "Sở Tài chính thử nghiệm",  # the name as written
        "  so tai CHINH thu nghiem ",  # without diacritics, any case, stray spaces
        "tài chính",  # a part only one agency's name holds
        "000.00.13.h99",  # the code, any case
        "Sở Tài chính thử nghiệm (000.00.13.H99)",  # as the suggestion list writes it
    ],
)
def test_the_target_is_found_by_name_or_code(walker, specialist, partner_agency, namesakes, typed):
    dossier = walker.dossier_in(State.IN_PROGRESS)

    response = transfer(specialist, dossier, typed)

    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.state, fresh.transfer_agency) == (State.TRANSFERRED, partner_agency)
    event = fresh.events.order_by("-seq").first()
    assert (event.action, event.payload["agency"]) == ("transfer", "000.00.13.H99")


def test_a_namesake_is_told_apart_by_the_suggestion(walker, specialist, namesakes):
    dossier = walker.dossier_in(State.IN_PROGRESS)

    response = transfer(specialist, dossier, "Phòng Tư pháp (000.01.22.H99)")

    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).transfer_agency == namesakes[1]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "phong tu phap",
            "Có 2 cơ quan khớp với “phong tu phap” (Phòng Tư pháp (000.01.21.H99); Phòng Tư "
            "pháp (000.01.22.H99)): hãy chọn đúng một cơ quan trong danh sách gợi ý hoặc nhập "
            "mã định danh.",
        ),
        (
            "thử nghiệm",  # every test agency's name holds it
            "cơ quan khớp với “thử nghiệm”",
        ),
        (
            "Sở Giao thông",
            "Không tìm thấy cơ quan “Sở Giao thông”: hãy chọn trong danh sách gợi ý, hoặc nhập "
            "đúng tên hay mã định danh của cơ quan.",
        ),
        (
            "Sở Tư pháp thử nghiệm",
            "Sở Tư pháp thử nghiệm đang giải quyết hồ sơ này: hãy chọn một cơ quan khác để "
            "liên thông.",
        ),
        ("   ", "Phải chọn cơ quan nhận liên thông."),
    ],
)
def test_no_match_several_or_the_own_agency_is_explained(
    walker, specialist, partner_agency, namesakes, typed, message
):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    before = state_of(dossier)

    response = transfer(specialist, dossier, typed)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert state_of(dossier) == before


def test_the_suggestions_put_the_agencies_of_the_procedure_first(
    walker, specialist, partner_agency, namesakes
):
    handling = AgencyFactory(code="000.01.30.H99", name="UBND phường Thuận Hóa")
    walker.procedure.agencies.add(handling)
    dossier = walker.dossier_in(State.IN_PROGRESS)
    client = Client()
    client.force_login(specialist)

    page = client.get(f"/mot-cua/xu-ly/{dossier.code}/")

    targets = [a.code for a in page.context["transfer_targets"]]
    assert targets[0] == handling.code
    assert walker.agency.code not in targets
    assert set(targets) == {handling.code, partner_agency.code, *(a.code for a in namesakes)}
    assert '<option value="UBND phường Thuận Hóa (000.01.30.H99)"></option>' in (
        page.content.decode()
    )


def test_only_the_step_holder_may_transfer(walker, reception, partner_agency):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    before = state_of(dossier)

    response = transfer(reception, dossier, "Sở Tài chính thử nghiệm")

    assert response.status_code in (403, 409)
    assert state_of(dossier) == before
