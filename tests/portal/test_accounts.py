"""Citizens' sign-up against the population registry, sign-in with the lockout, and where
each kind of user lands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.directory.models import Role, User
from motcua.portal.accounts import AccountLocked, account_sign_in, citizen_register
from motcua.portal.models import CitizenProfile, LoginAttempt
from tests.factories import CitizenFactory, UserFactory, staff
from tests.walker import T0

AN = "046085001234"  # Nguyễn Văn An in the local registry, born 12/04/1985
PASSWORD = "matkhau-thu-nghiem"
SIGNUP = {
    "personal_id": AN,
    "birth_date": "12/04/1985",
    "email": "an@example.vn",
    "phone": "0905 123 456",
    "password1": "mot-mat-khau-dai",
    "password2": "mot-mat-khau-dai",
}


# ---------------------------------------------------------------- sign-up


def test_sign_up_takes_identity_from_the_registry(client, db):
    response = client.post("/dang-ky/", SIGNUP)

    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/")
    user = User.objects.get(personal_id=AN)
    assert (user.username, user.full_name, user.email, user.phone) == (
        AN,
        "Nguyễn Văn An",
        "an@example.vn",
        "0905123456",
    )
    assert user.check_password("mot-mat-khau-dai")
    profile = CitizenProfile.objects.get(user=user)
    assert (profile.birth_date, profile.sex, profile.permanent_address) == (
        date(1985, 4, 12),
        "nam",
        "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    )
    audit = AuditEvent.objects.get(action="account.sign_up")
    assert (audit.actor, audit.object_id, audit.data) == (
        user,
        str(user.pk),
        {"registry_verified": True},
    )
    page = client.get("/dang-nhap/")
    assert "Đã tạo tài khoản cho Nguyễn Văn An" in page.content.decode()


def test_sign_up_accepts_an_iso_date_too(client, db):
    response = client.post("/dang-ky/", {**SIGNUP, "birth_date": "1985-04-12"})
    assert response.status_code == 302
    assert User.objects.filter(personal_id=AN).count() == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (
            {"personal_id": "04608500123"},
            400,
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
        ),
        (
            {"personal_id": "097085001234"},
            400,
            "Số định danh cá nhân không hợp lệ: mã tỉnh nơi đăng ký khai sinh '097' phải từ "
            "001 đến 096.",
        ),
        (
            {"birth_date": "12/04/1986"},
            400,
            "Số định danh cá nhân không khớp năm sinh 1986: các chữ số 4–6 cho năm sinh 1985.",
        ),
        (
            {"personal_id": "046085009999"},
            400,
            "Số định danh cá nhân này không có trong Cơ sở dữ liệu quốc gia về dân cư. "
            "Hãy kiểm tra lại số trên thẻ căn cước.",
        ),
        (
            {"birth_date": "13/04/1985"},
            400,
            "Ngày sinh không khớp với Cơ sở dữ liệu quốc gia về dân cư. Hãy nhập đúng ngày "
            "sinh ghi trên thẻ căn cước.",
        ),
        (
            {"birth_date": "31/02/1985"},
            400,
            "Ngày sinh phải viết theo dạng ngày/tháng/năm, ví dụ 12/04/1985.",
        ),
        (
            {"password1": "ngan", "password2": "ngan"},
            400,
            "Mật khẩu quá ngắn: cần ít nhất 8 ký tự.",
        ),
        (
            {"password2": "khac-mat-khau"},
            400,
            "Hai lần nhập mật khẩu không giống nhau.",
        ),
        (
            {"email": "khong-phai-email"},
            400,
            "Địa chỉ thư điện tử không hợp lệ.",
        ),
    ],
)
def test_sign_up_refusals_say_why_and_create_nothing(client, db, change, status, message):
    response = client.post("/dang-ky/", {**SIGNUP, **change})

    assert response.status_code == status
    assert response.context["error"] == message
    assert User.objects.count() == 0
    assert CitizenProfile.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_sign_up_twice_is_refused(client, db):
    client.post("/dang-ky/", SIGNUP)
    response = client.post(
        "/dang-ky/", {**SIGNUP, "password1": "khac-hoan-toan", "password2": "khac-hoan-toan"}
    )

    assert response.status_code == 400
    assert response.context["error"] == (
        "Số định danh cá nhân này đã có tài khoản. Hãy đăng nhập; nếu quên mật khẩu, hãy liên "
        "hệ bộ phận một cửa."
    )
    assert User.objects.get(personal_id=AN).check_password("mot-mat-khau-dai")


def test_the_registry_is_checked_before_saying_an_account_exists(db):
    """Otherwise anyone could probe which ID numbers have an account."""
    CitizenFactory(username=AN, personal_id=AN)
    with pytest.raises(ValidationFailed) as refused:
        citizen_register(personal_id=AN, birth_date=date(1985, 4, 13), password="dai-du-tam-ky")
    assert refused.value.code == "birth_date_mismatch"


# ---------------------------------------------------------------- sign-in and landing


@pytest.fixture
def leader(agency):
    return staff(Role.LEADER, agency, username="lanhdao_thu")


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("citizen", "/ho-so-cua-toi/"),
        ("reception", "/mot-cua/"),
        ("specialist", "/mot-cua/xu-ly/"),
        ("approver", "/mot-cua/xu-ly/"),
        ("leader", "/chi-so/"),
    ],
)
def test_sign_in_lands_each_role_on_its_page(client, request, who, landing):
    user = request.getfixturevalue(who)
    typed = user.personal_id if who == "citizen" else user.username

    response = client.post("/dang-nhap/", {"username": typed, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, landing)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/sau-dang-nhap/")["Location"] == landing


def test_a_citizen_signs_in_with_the_personal_id_whatever_the_username(client, db):
    user = CitizenFactory(username="an.nguyen", personal_id=AN)

    response = client.post("/dang-nhap/", {"username": f" {AN} ", "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/ho-so-cua-toi/")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_safe_next_is_honoured_and_a_foreign_one_ignored(client, citizen):
    credentials = {"username": citizen.personal_id, "password": PASSWORD}
    response = client.post("/dang-nhap/?next=/thong-bao/", credentials)
    assert response["Location"] == "/thong-bao/"
    client.logout()
    response = client.post("/dang-nhap/", {**credentials, "next": "https://ke-gian.example/"})
    assert response["Location"] == "/ho-so-cua-toi/"


def test_a_wrong_password_is_refused_in_vietnamese(client, citizen):
    response = client.post("/dang-nhap/", {"username": citizen.personal_id, "password": "sai"})

    assert response.status_code == 400
    assert response.context["error"] == (
        "Tên đăng nhập (hoặc số định danh cá nhân) hoặc mật khẩu không đúng."
    )
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_keeps_the_fields_tests_and_people_rely_on(client, db):
    html = client.get("/dang-nhap/?next=/mot-cua/").content.decode()
    for fragment in ('id="id_username"', 'id="id_password"', 'type="submit"', 'value="/mot-cua/"'):
        assert fragment in html


# ---------------------------------------------------------------- lockout


def fail(identifier: str, at, ip: str = "203.0.113.7") -> None:
    with pytest.raises(ValidationFailed):
        account_sign_in(identifier=identifier, password="sai-mat-khau", ip=ip, now=at)


def test_five_failures_lock_the_username_for_fifteen_minutes(citizen):
    for minute in range(5):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))

    # Locked: even the right password is refused, and says when to come back.
    with pytest.raises(AccountLocked) as locked:
        account_sign_in(
            identifier=citizen.personal_id,
            password=PASSWORD,
            ip="203.0.113.7",
            now=T0 + timedelta(minutes=18, seconds=59),
        )
    assert locked.value.message == (
        "Tài khoản này tạm khóa vì nhập sai mật khẩu 5 lần trong 15 phút. "
        "Vui lòng thử lại sau 09:19 ngày 02/03/2026."
    )
    assert locked.value.status == 429

    # Fifteen minutes after the fifth failure: open again.
    user = account_sign_in(
        identifier=citizen.personal_id,
        password=PASSWORD,
        ip="203.0.113.7",
        now=T0 + timedelta(minutes=19),
    )
    assert user == citizen
    outcomes = list(LoginAttempt.objects.order_by("at", "id").values_list("outcome", flat=True))
    assert outcomes == ["failure"] * 5 + ["locked", "success"]


def test_four_failures_do_not_lock_and_failures_spread_out_do_not_add_up(citizen):
    for minute in (0, 1, 2, 3):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    assert (
        account_sign_in(
            identifier=citizen.personal_id, password=PASSWORD, ip="x", now=T0 + timedelta(minutes=4)
        )
        == citizen
    )
    # Five failures, but never five within 15 minutes.
    for minute in (10, 14, 18, 22, 26):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    assert (
        account_sign_in(
            identifier=citizen.personal_id,
            password=PASSWORD,
            ip="x",
            now=T0 + timedelta(minutes=27),
        )
        == citizen
    )


def test_the_lock_is_per_username(citizen):
    other = CitizenFactory(username="046090000777", personal_id="046090000777")
    for minute in range(5):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    assert (
        account_sign_in(
            identifier=other.personal_id, password=PASSWORD, ip="x", now=T0 + timedelta(minutes=5)
        )
        == other
    )


def test_twenty_failures_from_one_address_lock_the_address(db):
    UserFactory(username="canbo_a")
    for n in range(20):
        fail(f"ten-doan-{n}", T0 + timedelta(seconds=n * 30))
    with pytest.raises(AccountLocked) as locked:
        account_sign_in(
            identifier="canbo_a",
            password=PASSWORD,
            ip="203.0.113.7",
            now=T0 + timedelta(minutes=11),
        )
    assert locked.value.message == (
        "Có quá nhiều lần đăng nhập sai (20 lần) từ địa chỉ mạng này. "
        "Vui lòng thử lại sau 09:24 ngày 02/03/2026."
    )
    # Another address is not affected.
    assert (
        account_sign_in(
            identifier="canbo_a",
            password=PASSWORD,
            ip="198.51.100.1",
            now=T0 + timedelta(minutes=11),
        ).username
        == "canbo_a"
    )


def test_the_sign_in_page_shows_the_lock(client, citizen, monkeypatch):
    clock = [T0]
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock[0])
    wrong = {"username": citizen.personal_id, "password": "sai"}
    statuses = []
    for minute in range(5):
        clock[0] = T0 + timedelta(minutes=minute)
        statuses.append(client.post("/dang-nhap/", wrong).status_code)
    clock[0] = T0 + timedelta(minutes=10)
    response = client.post("/dang-nhap/", {**wrong, "password": PASSWORD})

    assert statuses == [400] * 5
    assert response.status_code == 429
    assert response.context["error"] == (
        "Tài khoản này tạm khóa vì nhập sai mật khẩu 5 lần trong 15 phút. "
        "Vui lòng thử lại sau 09:19 ngày 02/03/2026."
    )
    assert "_auth_user_id" not in client.session
    clock[0] = T0 + timedelta(minutes=19)
    assert client.post("/dang-nhap/", {**wrong, "password": PASSWORD}).status_code == 302


def test_attempts_and_audit_hold_no_personal_id(citizen):
    for minute in range(5):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    with pytest.raises(AccountLocked):
        account_sign_in(
            identifier=citizen.personal_id, password=PASSWORD, ip="x", now=T0 + timedelta(minutes=6)
        )

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["account.sign_in_failed"] * 5 + [
        "account.locked_out",
        "account.sign_in_locked",
    ]
    stored = [str(row) for row in AuditEvent.objects.values_list("object_id", "data")]
    stored += [str(row) for row in LoginAttempt.objects.values_list("username_key", "ip_key")]
    assert not [row for row in stored if citizen.personal_id in row or "203.0.113.7" in row]
