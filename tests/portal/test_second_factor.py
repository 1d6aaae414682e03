"""The second factor of approvers, leaders and administrators (portal.second_factor): asked
after the password, enrolled at the first sign-in, each code once, wrong codes slowed; other
staff and citizens are not asked; staff sessions end within the working day."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.portal.models import SecondFactor
from motcua.portal.second_factor import (
    STEP_SECONDS,
    SecondFactorWait,
    second_factor_check,
    second_factor_required,
)
from tests.factories import CitizenFactory, UserFactory, staff
from tests.walker import T0

PASSWORD = "matkhau-thu-nghiem"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PAGE = "/dang-nhap/ma-xac-thuc/"
WRONG_CODE = "Mã xác thực không đúng. Hãy nhập 6 chữ số đang hiện trên ứng dụng xác thực."


def code_for(secret: str, *, after_step: int = 0) -> str:
    """The authenticator's code now, or the next step's when this one was used already."""
    step = max(int(time.time()) // STEP_SECONDS, after_step + 1)
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def second_factor_pass(client, user):
    """The code step as the person's phone passes it: enrol from the page's secret (the GET
    makes it) or type the enrolled secret's code."""
    assert client.get(PAGE).status_code == 200
    factor = SecondFactor.objects.get(user=user)
    return client.post(PAGE, {"code": code_for(factor.secret, after_step=factor.last_step)})


def enrolled(user, secret: str = SECRET) -> SecondFactor:
    return SecondFactor.objects.create(user=user, secret=secret, created_at=T0, confirmed_at=T0)


@pytest.fixture
def leader(agency):
    return staff(Role.LEADER, agency, username="lanhdao_thu")


def test_an_approver_enrols_at_the_first_sign_in_and_is_signed_in_by_the_first_code(
    client, approver
):
    response = client.post("/dang-nhap/", {"username": approver.username, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    assert client.get("/mot-cua/xu-ly/")["Location"].startswith("/dang-nhap/")

    page = client.get(PAGE)
    factor = SecondFactor.objects.get(user=approver)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<code data-testid="totp-secret">{factor.secret}</code>' in html
    assert "<svg" in html and "<script" not in html
    assert factor.confirmed_at is None
    assert client.get(PAGE).context["secret"] == factor.secret  # a reload keeps the QR code

    response = client.post(PAGE, {"code": code_for(factor.secret)})

    assert (response.status_code, response["Location"]) == (302, "/mot-cua/xu-ly/")
    assert client.session["_auth_user_id"] == str(approver.pk)
    assert client.session.get_expiry_age() == 8 * 3600
    factor.refresh_from_db()
    assert factor.confirmed_at is not None
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "account.sign_in",
        "account.second_factor_enrolled",
    ]


def test_an_enrolled_leader_is_asked_for_the_code_and_goes_where_they_were_going(client, leader):
    factor = enrolled(leader)
    client.post(
        "/dang-nhap/?next=/chi-so/xep-hang/",
        {"username": leader.username, "password": PASSWORD},
    )
    page = client.get(PAGE)
    assert "totp-secret" not in page.content.decode()  # enrolled: no secret shown again

    response = client.post(PAGE, {"code": code_for(SECRET)})

    assert response["Location"] == "/chi-so/xep-hang/"
    assert client.session["_auth_user_id"] == str(leader.pk)
    factor.refresh_from_db()
    assert factor.last_step >= int(time.time()) // STEP_SECONDS


def test_a_wrong_code_is_refused_and_signs_nobody_in(client, leader):
    enrolled(leader)
    client.post("/dang-nhap/", {"username": leader.username, "password": PASSWORD})
    right = code_for(SECRET)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(PAGE, {"code": wrong})

    assert response.status_code == 400
    assert response.context["error"] == WRONG_CODE
    assert "_auth_user_id" not in client.session
    assert SecondFactor.objects.get(user=leader).failures == 1
    assert AuditEvent.objects.filter(action="account.second_factor_failed").count() == 1


def test_a_code_used_once_is_refused_the_second_time(client, leader):
    enrolled(leader)
    client.post("/dang-nhap/", {"username": leader.username, "password": PASSWORD})
    code = code_for(SECRET)
    assert client.post(PAGE, {"code": code}).status_code == 302
    client.logout()

    client.post("/dang-nhap/", {"username": leader.username, "password": PASSWORD})
    response = client.post(PAGE, {"code": code})

    assert response.status_code == 400
    assert response.context["error"] == (
        "Mã này đã được dùng. Vui lòng chờ mã mới trên ứng dụng xác thực."
    )
    assert "_auth_user_id" not in client.session


def test_a_code_is_good_for_its_step_and_the_steps_either_side_once(leader):
    factor = enrolled(leader)
    totp = pyotp.TOTP(SECRET)
    step = int(T0.timestamp()) // STEP_SECONDS

    with pytest.raises(ValidationFailed):  # two steps back: too old
        second_factor_check(user=leader, code=totp.at((step - 2) * STEP_SECONDS), at=T0)
    second_factor_check(user=leader, code=totp.at((step - 1) * STEP_SECONDS), at=T0)
    second_factor_check(user=leader, code=totp.at((step + 1) * STEP_SECONDS), at=T0)
    with pytest.raises(ValidationFailed) as replayed:  # behind the last one accepted
        second_factor_check(user=leader, code=totp.at(step * STEP_SECONDS), at=T0)

    assert replayed.value.code == "second_factor_replayed"
    factor.refresh_from_db()
    assert (factor.last_step, factor.failures) == (step + 1, 1)


def test_wrong_codes_make_the_next_try_wait_and_a_good_one_clears_them(leader):
    factor = enrolled(leader)
    totp = pyotp.TOTP(SECRET)
    for n in range(5):
        with pytest.raises(ValidationFailed):
            second_factor_check(user=leader, code="12345x", at=T0 + timedelta(seconds=n))
    last = T0 + timedelta(seconds=4)

    with pytest.raises(SecondFactorWait) as waiting:
        second_factor_check(user=leader, code=totp.at(last), at=last + timedelta(seconds=0.5))
    assert waiting.value.message == (
        "Đã nhập sai mã xác thực nhiều lần. Vui lòng thử lại sau 1 giây."
    )
    assert waiting.value.status == 429

    second_factor_check(user=leader, code=totp.at(last), at=last + timedelta(seconds=1))
    factor.refresh_from_db()
    assert (factor.failures, factor.failed_at) == (0, None)


def test_the_code_page_answers_the_wait_with_retry_after(client, leader):
    factor = enrolled(leader)
    factor.failures = 7  # the eighth try waits 4 s after the seventh
    factor.failed_at = timezone.now()
    factor.save()
    client.post("/dang-nhap/", {"username": leader.username, "password": PASSWORD})

    response = client.post(PAGE, {"code": code_for(SECRET)})

    assert response.status_code == 429
    assert response["Retry-After"] in ("4", "3")
    assert "_auth_user_id" not in client.session


def test_without_the_password_step_the_code_page_sends_to_sign_in(client, leader):
    enrolled(leader)
    response = client.post(PAGE, {"code": code_for(SECRET)})
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/")
    assert "_auth_user_id" not in client.session


def test_the_password_step_is_forgotten_after_five_minutes(client, leader):
    enrolled(leader)
    client.post("/dang-nhap/", {"username": leader.username, "password": PASSWORD})
    session = client.session
    pending = session["motcua_second_factor"]
    pending["since"] = (timezone.now() - timedelta(minutes=5, seconds=1)).isoformat()
    session["motcua_second_factor"] = pending
    session.save()

    response = client.post(PAGE, {"code": code_for(SECRET)})

    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/")
    assert "_auth_user_id" not in client.session


def test_a_citizen_is_not_asked_and_keeps_two_weeks(client, citizen):
    response = client.post("/dang-nhap/", {"username": citizen.personal_id, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/ho-so-cua-toi/")
    assert client.session["_auth_user_id"] == str(citizen.pk)
    assert client.session.get_expiry_age() == 14 * 24 * 3600
    assert SecondFactor.objects.count() == 0


def test_reception_is_not_asked_but_its_session_ends_within_the_day(client, reception):
    response = client.post("/dang-nhap/", {"username": reception.username, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/mot-cua/")
    assert client.session.get_expiry_age() == 8 * 3600
    assert SecondFactor.objects.count() == 0


def test_who_is_asked(agency):
    asked = {
        "approver": staff(Role.APPROVER, agency, username="pheduyet"),
        "leader": staff(Role.LEADER, agency, username="lanhdao"),
        "admin role": staff(Role.ADMIN, agency, username="quantri_cq"),
        "superuser": UserFactory(username="sieuquantri", is_superuser=True, is_staff=True),
        "admin site": UserFactory(username="nhanvien_admin", is_staff=True),
    }
    not_asked = {
        "reception": staff(Role.RECEPTION, agency, username="motcua"),
        "specialist": staff(Role.SPECIALIST, agency, username="chuyenvien"),
        "citizen": CitizenFactory(username="046090000001", personal_id="046090000001"),
    }
    assert {k: second_factor_required(u) for k, u in asked.items()} == dict.fromkeys(asked, True)
    assert {k: second_factor_required(u) for k, u in not_asked.items()} == dict.fromkeys(
        not_asked, False
    )
