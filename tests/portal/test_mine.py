"""“Hồ sơ của tôi”: only the applicant's own dossiers, withdrawing and rating through the
services, and nothing changed for anyone else or in the wrong state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from motcua.counters.keys import local_day as _day
from motcua.counters.models import DailyCounter
from motcua.directory.models import Role
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.services import dossier_rate
from motcua.portal.mine import dossier_for_owner
from tests.factories import CitizenFactory, staff
from tests.walker import T0

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def stranger(db):
    return CitizenFactory(username="046090000777", personal_id="046090000777")


def snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.rating,
        fresh.rated_at,
        DossierEvent.objects.filter(dossier=dossier).count(),
    )


def url(name: str, dossier: Dossier) -> str:
    return reverse(f"portal:{name}", args=[dossier.public_code])


# ---------------------------------------------------------------- the list


def test_the_list_shows_only_my_dossiers_newest_first(client, walker, citizen, stranger):
    draft = walker.create(at=T0)
    received = walker.dossier_in(State.RECEIVED)
    walker.citizen = stranger
    foreign = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)

    response = client.get("/ho-so-cua-toi/")

    assert response.status_code == 200
    assert [d.pk for d in response.context["dossiers"]] == [received.pk, draft.pk]
    html = response.content.decode()
    assert f"Mã hồ sơ {received.code}" in html
    assert f"Mã tham chiếu {draft.reference}" in html
    assert "Đã tiếp nhận" in html and "Bản nháp" in html
    assert timezone.localtime(received.due_at).strftime("%H:%M %d/%m/%Y") in html
    assert foreign.code not in html


def test_the_list_costs_a_bounded_number_of_queries(
    client, walker, citizen, django_assert_max_num_queries
):
    for _ in range(12):
        walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    # session, user, count, page, unread notifications
    with django_assert_max_num_queries(5):
        response = client.get("/ho-so-cua-toi/")
    assert len(response.context["dossiers"]) == 12


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/ho-so-cua-toi/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/dang-nhap/?next=/ho-so-cua-toi/",
    )


# ---------------------------------------------------------------- one dossier


def test_my_dossier_tells_its_story(client, walker, citizen):
    dossier = walker.dossier_in(State.SUPPLEMENT_REQUESTED)
    client.force_login(citizen)

    response = client.get(url("mine_detail", dossier))

    assert response.status_code == 200
    view = response.context["view"]
    assert [e["text"] for e in view.events] == [
        "Bạn tạo hồ sơ",
        "Bạn nộp hồ sơ trực tuyến",
        "Tiếp nhận hồ sơ",
        "Hồ sơ được chuyển sang bước xử lý tiếp theo",
        "Yêu cầu bổ sung hồ sơ",
    ]
    assert view.events[-1]["details"] == ["Cần bổ sung: Giấy khai sinh"]
    assert view.events[2]["details"] == [
        f"Hẹn trả kết quả: {timezone.localtime(dossier.due_at):%H:%M %d/%m/%Y}"
    ]
    assert view.state_label == "Yêu cầu bổ sung"
    assert [letter["url"] for letter in view.letters] == [
        f"/ho-so/{dossier.code}/van-ban/receipt.pdf",
        f"/ho-so/{dossier.code}/van-ban/supplement.pdf",
    ]
    html = response.content.decode()
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)" in html
    assert view.can_withdraw is True and view.can_rate is False


def test_the_letters_download_for_the_owner(client, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    response = client.get(f"/ho-so/{dossier.code}/van-ban/receipt.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_links_to_pages_others_build_appear_only_when_they_exist(walker, citizen):
    def exists(name: str, *args) -> bool:
        try:
            reverse(name, args=args)
        except NoReverseMatch:
            return False
        return True

    supplement = walker.dossier_in(State.SUPPLEMENT_REQUESTED)
    draft = walker.dossier_in(State.DRAFT)
    view = dossier_for_owner(citizen, supplement)
    expected = (
        reverse("portal:supplement", args=[supplement.reference])
        if exists("portal:supplement", supplement.reference)
        else ""
    )
    assert view.supplement_url == expected
    assert view.draft_url == ""
    draft_view = dossier_for_owner(citizen, draft)
    assert draft_view.supplement_url == ""
    assert draft_view.draft_url == (
        reverse("portal:apply_draft", args=[draft.reference])
        if exists("portal:apply_draft", draft.reference)
        else ""
    )


def test_the_pay_link_needs_a_fee_not_yet_paid(walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    assert dossier_for_owner(citizen, dossier).pay_url == ""  # no fee
    Dossier.objects.filter(pk=dossier.pk).update(fee_amount=50000)
    dossier.refresh_from_db()
    try:
        expected = reverse("payments:pay", args=[dossier.reference])
    except NoReverseMatch:
        expected = ""
    assert dossier_for_owner(citizen, dossier).pay_url == expected
    Dossier.objects.filter(pk=dossier.pk).update(paid_online=True)
    dossier.refresh_from_db()
    assert dossier_for_owner(citizen, dossier).pay_url == ""


def test_my_documents_download_for_me_only(client, walker, citizen, stranger):
    dossier = walker.create()
    document = document_attach(
        actor=citizen,
        dossier=dossier,
        upload=SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"),
        kind=DossierDocument.Kind.SUBMITTED,
    )
    path = f"/ho-so-cua-toi/{dossier.reference}/tai-lieu/{document.pk}/"
    client.force_login(stranger)
    assert client.get(path).status_code == 404
    client.force_login(citizen)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "to-khai.pdf" in client.get(url("mine_detail", dossier)).content.decode()


@pytest.mark.parametrize("who", ["stranger", "reception"])
def test_someone_elses_dossier_is_not_found(client, request, walker, who):
    dossier = walker.dossier_in(State.RECEIVED)
    client.force_login(request.getfixturevalue(who))
    for name in ("mine_detail", "mine_withdraw"):
        assert client.get(url(name, dossier)).status_code == 404
    assert client.get("/ho-so-cua-toi/KHONG-CO/").status_code == 404


def test_the_detail_page_costs_a_bounded_number_of_queries(
    client, walker, citizen, django_assert_max_num_queries
):
    dossier = walker.dossier_in(State.RETURNED)
    client.force_login(citizen)
    with django_assert_max_num_queries(9):
        assert client.get(url("mine_detail", dossier)).status_code == 200


# ---------------------------------------------------------------- withdraw


def test_the_owner_withdraws_with_a_reason(client, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    page = client.get(url("mine_withdraw", dossier))
    assert page.status_code == 200

    response = client.post(
        url("mine_withdraw", dossier),
        {"reason": "Đã nộp ở nơi khác.", "confirm": "on", "version": dossier.version},
    )

    assert (response.status_code, response["Location"]) == (302, url("mine_detail", dossier))
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.state == State.WITHDRAWN
    event = fresh.events.order_by("-seq").first()
    assert (event.action, event.actor, event.note, event.payload) == (
        Action.WITHDRAW,
        citizen,
        "Đã nộp ở nơi khác.",
        {"reason": "Đã nộp ở nơi khác."},
    )
    detail = client.get(url("mine_detail", dossier)).content.decode()
    assert "Đã rút hồ sơ" in detail
    assert "Lý do: Đã nộp ở nơi khác." in detail


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"reason": "Thôi.", "version": 0}, "Hãy đánh dấu xác nhận rút hồ sơ."),
        ({"confirm": "on", "version": 0}, "Hãy ghi lý do rút hồ sơ."),
    ],
)
def test_withdrawing_needs_a_reason_and_a_confirmation(client, walker, citizen, form, message):
    dossier = walker.dossier_in(State.RECEIVED)
    before = snapshot(dossier)
    client.force_login(citizen)
    response = client.post(url("mine_withdraw", dossier), {**form, "version": dossier.version})
    assert (response.status_code, response.context["error"]) == (400, message)
    assert snapshot(dossier) == before


def test_withdrawing_a_finished_dossier_is_refused(client, walker, citizen):
    dossier = walker.dossier_in(State.RESULT_READY)
    before = snapshot(dossier)
    client.force_login(citizen)
    response = client.post(
        url("mine_withdraw", dossier),
        {"reason": "Thôi.", "confirm": "on", "version": dossier.version},
    )
    assert response.status_code == 409
    assert response.context["error"] == (
        "Không thể rút hồ sơ khi hồ sơ đang ở trạng thái “Đã có kết quả”."
    )
    assert snapshot(dossier) == before
    assert dossier_for_owner(citizen, dossier).can_withdraw is False


def test_a_stale_page_cannot_withdraw(client, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    stale = dossier.version
    walker.act(dossier, Action.FORWARD)
    before = snapshot(dossier)
    response = client.post(
        url("mine_withdraw", dossier), {"reason": "Thôi.", "confirm": "on", "version": stale}
    )
    assert response.status_code == 409
    assert snapshot(dossier) == before


@pytest.mark.parametrize("who", ["stranger", "reception", None])
def test_others_cannot_withdraw(client, request, walker, who):
    dossier = walker.dossier_in(State.RECEIVED)
    before = snapshot(dossier)
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.post(
        url("mine_withdraw", dossier),
        {"reason": "Thôi.", "confirm": "on", "version": dossier.version},
    )
    assert response.status_code == (404 if who else 302)
    assert snapshot(dossier) == before


# ---------------------------------------------------------------- rate


def counters(dossier: Dossier) -> dict[str, int]:
    return dict(
        DailyCounter.objects.filter(
            agency=dossier.agency, metric__in=["rated", "rated_satisfied"]
        ).values_list("metric", "value")
    )


def test_the_owner_rates_once_and_the_index_counts_it(client, walker, citizen):
    dossier = walker.dossier_in(State.RETURNED)
    client.force_login(citizen)
    assert counters(dossier) == {}

    response = client.post(url("mine_rate", dossier), {"rating": "very_satisfied"})

    assert (response.status_code, response["Location"]) == (302, url("mine_detail", dossier))
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.rating == "very_satisfied"
    assert counters(dossier) == {"rated": 1, "rated_satisfied": 1}
    day = DailyCounter.objects.get(agency=dossier.agency, metric="rated").day
    assert day == _day(fresh.rated_at)
    event = fresh.events.order_by("-seq").first()
    assert (event.action, event.actor, event.payload) == (
        "rate",
        citizen,
        {"rating": "very_satisfied"},
    )
    assert "Rất hài lòng" in client.get(url("mine_detail", dossier)).content.decode()

    before = snapshot(dossier)
    again = client.post(url("mine_rate", dossier), {"rating": "unsatisfied"})
    assert again.status_code == 409
    assert again.context["rate_error"].startswith(f"Hồ sơ {dossier.code} đã được đánh giá ngày ")
    assert snapshot(dossier) == before
    assert counters(dossier) == {"rated": 1, "rated_satisfied": 1}


def test_an_unsatisfied_rating_counts_as_rated_only(walker, citizen):
    dossier = walker.dossier_in(State.RESULT_READY)
    dossier_rate(actor=citizen, dossier=dossier, rating="unsatisfied")
    assert counters(dossier) == {"rated": 1}


@pytest.mark.parametrize("state", [State.SUBMITTED, State.IN_PROGRESS, State.WITHDRAWN])
def test_rating_before_the_result_is_refused(client, walker, citizen, state):
    dossier = walker.dossier_in(state)
    before = snapshot(dossier)
    client.force_login(citizen)
    response = client.post(url("mine_rate", dossier), {"rating": "satisfied"})
    assert response.status_code == 409
    assert response.context["rate_error"] == (
        "Chỉ đánh giá được khi hồ sơ đã có kết quả; hồ sơ đang ở trạng thái "
        f"“{State(state).label}”."
    )
    assert snapshot(dossier) == before
    assert counters(dossier) == {}


def test_a_rating_must_be_one_of_the_three_levels(client, walker, citizen):
    dossier = walker.dossier_in(State.RETURNED)
    before = snapshot(dossier)
    client.force_login(citizen)
    response = client.post(url("mine_rate", dossier), {"rating": "tuyet_voi"})
    assert (response.status_code, response.context["rate_error"]) == (
        400,
        "Hãy chọn một mức đánh giá.",
    )
    assert snapshot(dossier) == before


@pytest.mark.parametrize("who", ["stranger", "reception", "specialist", None])
def test_others_cannot_rate(client, request, walker, who):
    dossier = walker.dossier_in(State.RETURNED)
    before = snapshot(dossier)
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.post(url("mine_rate", dossier), {"rating": "satisfied"})
    assert response.status_code == (404 if who else 302)
    assert snapshot(dossier) == before
    assert counters(dossier) == {}


def test_the_rating_service_refuses_staff(walker, agency):
    from motcua.core.errors import PermissionDenied

    dossier = walker.dossier_in(State.RETURNED)
    officer = staff(Role.RECEPTION, agency, username="motcua_khac")
    with pytest.raises(PermissionDenied):
        dossier_rate(actor=officer, dossier=dossier, rating="satisfied", at=T0 + timedelta(days=30))
    assert snapshot(dossier)[2:4] == ("", None)


# ---------------------------------------------------------------- the lifecycle draws the buttons


def test_the_buttons_are_the_lifecycles_answer_for_each_dossier(client, walker, citizen):
    # Given three dossiers of the same applicant in different states, one rated already.
    rated = walker.dossier_in(State.RETURNED)
    dossier_rate(actor=citizen, dossier=rated, rating="very_satisfied", at=T0 + timedelta(days=9))
    unrated = walker.dossier_in(State.RETURNED)
    asked = walker.dossier_in(State.SUPPLEMENT_REQUESTED)
    client.force_login(citizen)

    page = client.get(url("mine_detail", rated))
    view = page.context["view"]
    assert (view.can_rate, view.can_withdraw, view.supplement_url) == (False, False, "")
    # Why the form is gone: the lifecycle's own words, with the day it was rated.
    assert view.rate_refusal == (
        f"Hồ sơ {rated.public_code} đã được đánh giá ngày 11/03/2026; "
        "mỗi hồ sơ chỉ đánh giá một lần."
    )
    assert f'<p class="meta" data-testid="rate-refusal">{view.rate_refusal}</p>' in (
        page.content.decode()
    )

    view = client.get(url("mine_detail", unrated)).context["view"]
    assert (view.can_rate, view.rate_refusal, view.can_withdraw) == (True, "", False)

    view = client.get(url("mine_detail", asked)).context["view"]
    assert (view.can_rate, view.rate_refusal, view.can_withdraw) == (False, "", True)
    assert view.supplement_url == f"/nop-bo-sung/{asked.reference}/"


def test_the_withdraw_page_says_why_not_instead_of_a_form(client, walker, citizen):
    finished = walker.dossier_in(State.RESULT_READY)
    open_one = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    refused = client.get(url("mine_withdraw", finished))
    assert refused.status_code == 409
    assert refused.context["error"] == (
        "Không thể rút hồ sơ khi hồ sơ đang ở trạng thái “Đã có kết quả”."
    )
    assert refused.context["form"] is None
    assert "Xác nhận rút hồ sơ" not in refused.content.decode()
    offered = client.get(url("mine_withdraw", open_one))
    assert (offered.status_code, "Xác nhận rút hồ sơ" in offered.content.decode()) == (200, True)
