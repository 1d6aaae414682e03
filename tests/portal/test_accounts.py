"""Citizens' sign-up against the population registry, sign-in with the lockout, and where
each kind of user lands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.core.http import client_ip
from motcua.core.models import AuditEvent
from motcua.directory.models import Role, User
from motcua.portal.accounts import AccountLocked, account_sign_in, citizen_register
from motcua.portal.lockout import attempt_key, attempt_record, delay_after, sign_in_wait
from motcua.portal.models import CitizenProfile, LoginAttempt
from tests.factories import CitizenFactory, UserFactory, staff
from tests.portal.test_second_factor import second_factor_pass
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
    page = client.get("/dang-nhap/").content.decode()
    assert "Đã tạo tài khoản. Hãy đăng nhập bằng số định danh cá nhân và mật khẩu vừa đặt." in page
    # Whoever typed the ID and birth date need not be its holder: the registry's name stays
    # out of the answer.
    assert "Nguyễn Văn An" not in page


def test_sign_up_with_the_registry_down_asks_to_come_back_and_counts_no_attempt(
    client, db, settings
):
    settings.MOTCUA_REGISTRY_BACKEND = "tests.portal.test_apply.BrokenRegistry"

    response = client.post("/dang-ky/", SIGNUP)

    assert response.status_code == 503
    assert "Hiện không kết nối được CSDL quốc gia về dân cư" in response.content.decode()
    assert not User.objects.filter(personal_id=AN).exists()
    # Not the person's failure: nothing towards their sign-up lockout.
    assert not LoginAttempt.objects.exists()
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry.LocalRegistry"
    assert client.post("/dang-ky/", SIGNUP).status_code == 302


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


NOT_VERIFIED = (
    "Không xác minh được thông tin. Vui lòng kiểm tra số định danh cá nhân và ngày sinh ghi "
    "trên thẻ căn cước; nếu đã có tài khoản, hãy đăng nhập hoặc liên hệ bộ phận một cửa."
)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"personal_id": "046085009999"}, "not_in_registry"),
        ({"birth_date": "13/04/1985"}, "birth_date_mismatch"),
    ],
)
def test_an_unknown_id_and_a_wrong_birth_date_get_one_answer(client, db, change, reason):
    response = client.post("/dang-ky/", {**SIGNUP, **change})

    assert response.status_code == 400
    assert response.context["error"] == NOT_VERIFIED
    assert User.objects.count() == 0
    assert CitizenProfile.objects.count() == 0
    # Staff can tell why from the audit; the page cannot.
    assert list(AuditEvent.objects.values_list("action", "object_id", "data")) == [
        ("account.sign_up_refused", "", {"reason": reason})
    ]
    assert list(LoginAttempt.objects.values_list("outcome", flat=True)) == ["failure"]


def test_sign_up_twice_gets_the_same_answer_and_changes_nothing(client, db):
    client.post("/dang-ky/", SIGNUP)
    response = client.post(
        "/dang-ky/", {**SIGNUP, "password1": "khac-hoan-toan", "password2": "khac-hoan-toan"}
    )

    assert response.status_code == 400
    assert response.context["error"] == NOT_VERIFIED
    assert User.objects.count() == 1
    assert User.objects.get(personal_id=AN).check_password("mot-mat-khau-dai")
    assert CitizenProfile.objects.count() == 1


def test_a_weak_password_is_refused_before_the_registry_is_asked(db):
    """Otherwise "password too short" would say the ID and birth date were right."""
    with pytest.raises(ValidationFailed) as refused:
        citizen_register(personal_id="046085009999", birth_date=date(1985, 4, 12), password="ngan")
    assert (refused.value.code, refused.value.message) == (
        "weak_password",
        "Mật khẩu quá ngắn: cần ít nhất 8 ký tự.",
    )
    assert LoginAttempt.objects.count() == 0


def test_an_existing_account_is_not_revealed_by_the_birth_date_check(db):
    CitizenFactory(username=AN, personal_id=AN)
    with pytest.raises(ValidationFailed) as wrong_date:
        citizen_register(personal_id=AN, birth_date=date(1985, 4, 13), password="dai-du-tam-ky")
    with pytest.raises(ValidationFailed) as right_date:
        citizen_register(personal_id=AN, birth_date=date(1985, 4, 12), password="dai-du-tam-ky")
    assert (wrong_date.value.code, wrong_date.value.message) == ("not_verified", NOT_VERIFIED)
    assert (right_date.value.code, right_date.value.message) == ("not_verified", NOT_VERIFIED)


def register(personal_id: str, birth: date, at, ip: str = "203.0.113.7") -> User:
    return citizen_register(
        personal_id=personal_id, birth_date=birth, password="dai-du-tam-ky", ip=ip, at=at
    )


def test_five_failed_sign_ups_for_one_id_lock_it_for_an_hour(db):
    for minute in range(5):
        with pytest.raises(ValidationFailed):
            register(AN, date(1985, 4, 1 + minute), T0 + timedelta(minutes=minute))

    # Locked: even the right birth date is refused, and the answer says when to come back.
    with pytest.raises(AccountLocked) as locked:
        register(AN, date(1985, 4, 12), T0 + timedelta(minutes=63, seconds=59))
    assert (locked.value.status, locked.value.message) == (
        429,
        "Có quá nhiều lần đăng ký không xác minh được (5 lần trong một giờ). "
        "Vui lòng thử lại sau 10:04 ngày 02/03/2026.",
    )
    assert User.objects.count() == 0
    # Another ID from the same address is not affected (that limit is twenty).
    assert register("046192005678", date(1992, 9, 3), T0 + timedelta(minutes=10)).personal_id == (
        "046192005678"
    )
    # An hour after the fifth failure: open again.
    user = register(AN, date(1985, 4, 12), T0 + timedelta(minutes=64))
    assert user.personal_id == AN
    assert list(LoginAttempt.objects.order_by("at", "id").values_list("outcome", flat=True)) == [
        "failure"
    ] * 5 + ["success", "locked", "success"]


def test_twenty_failed_sign_ups_from_one_address_lock_the_address(db):
    for n in range(20):
        with pytest.raises(ValidationFailed):
            register(f"0460850{n:05d}", date(1985, 1, 1), T0 + timedelta(minutes=n))
    with pytest.raises(AccountLocked) as locked:
        register(AN, date(1985, 4, 12), T0 + timedelta(minutes=30))
    assert locked.value.message == (
        "Có quá nhiều lần đăng ký không xác minh được (20 lần trong một giờ). "
        "Vui lòng thử lại sau 10:19 ngày 02/03/2026."
    )
    assert User.objects.count() == 0
    other = register(AN, date(1985, 4, 12), T0 + timedelta(minutes=30), ip="198.51.100.1")
    assert other.personal_id == AN


def test_the_sign_up_page_shows_the_lock(client, db, monkeypatch):
    clock = [T0]
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock[0])
    statuses = []
    for minute in range(5):
        clock[0] = T0 + timedelta(minutes=minute)
        statuses.append(
            client.post("/dang-ky/", {**SIGNUP, "birth_date": "13/04/1985"}).status_code
        )
    clock[0] = T0 + timedelta(minutes=10)
    response = client.post("/dang-ky/", SIGNUP)

    assert statuses == [400] * 5
    assert response.status_code == 429
    assert response.context["error"] == (
        "Có quá nhiều lần đăng ký không xác minh được (5 lần trong một giờ). "
        "Vui lòng thử lại sau 10:04 ngày 02/03/2026."
    )
    assert User.objects.count() == 0


def test_sign_up_attempts_do_not_count_towards_the_sign_in_lock(citizen):
    for minute in range(5):
        with pytest.raises(ValidationFailed):
            register(citizen.personal_id, date(1985, 1, 1), T0 + timedelta(minutes=minute))
    assert (
        account_sign_in(
            identifier=citizen.personal_id,
            password=PASSWORD,
            ip="203.0.113.7",
            now=T0 + timedelta(minutes=6),
        )
        == citizen
    )


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
    if who in ("approver", "leader"):  # the authenticator's code first
        assert response["Location"] == "/dang-nhap/ma-xac-thuc/"
        response = second_factor_pass(client, user)

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


def failed_earlier(identifier: str, at, ip: str) -> None:
    """A failure recorded as the service records it, without sitting out the waits."""
    attempt_record(
        username_key=attempt_key(identifier, scope="username"),
        ip_key=attempt_key(ip, scope="ip"),
        outcome=LoginAttempt.Outcome.FAILURE,
        now=at,
    )


def sign_in(identifier: str, at, ip: str = "203.0.113.7", password: str = PASSWORD) -> User:
    return account_sign_in(identifier=identifier, password=password, ip=ip, now=at)


def test_the_delay_grows_from_the_fifth_failure_and_is_capped():
    assert [delay_after(n, 5).total_seconds() for n in (0, 4, 5, 6, 7, 8, 14, 15, 16, 500)] == [
        0,
        0,
        1,
        2,
        4,
        8,
        512,
        900,
        900,
        900,
    ]


def test_five_failures_make_the_account_wait_a_second_from_that_address(citizen):
    for minute in range(5):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    last = T0 + timedelta(minutes=4)

    # Refused at once, even with the right password, and told how long to wait.
    with pytest.raises(AccountLocked) as waiting:
        sign_in(citizen.personal_id, last + timedelta(milliseconds=400))
    assert waiting.value.message == (
        "Đã nhập sai mật khẩu của tài khoản này nhiều lần từ địa chỉ mạng này. "
        "Vui lòng thử lại sau 1 giây."
    )
    assert waiting.value.status == 429
    assert waiting.value.fields == {"retry_at": "2026-03-02T02:04:01+00:00", "retry_after": "1"}

    # A second after the fifth failure: the right password opens.
    assert sign_in(citizen.personal_id, last + timedelta(seconds=1)) == citizen
    outcomes = list(LoginAttempt.objects.order_by("at", "id").values_list("outcome", flat=True))
    assert outcomes == ["failure"] * 5 + ["locked", "success"]


def test_each_further_failure_doubles_the_wait(citizen):
    moment = T0
    waits = []
    for _ in range(9):  # each failure once the wait before it has passed
        fail(citizen.personal_id, moment)
        wait = sign_in_wait(
            username_key=attempt_key(citizen.username, scope="username"),
            ip_key=attempt_key("203.0.113.7", scope="ip"),
            now=moment,
        )
        waits.append(0 if wait is None else (wait.until - moment).total_seconds())
        moment += timedelta(minutes=20)
    last = moment - timedelta(minutes=20)
    with pytest.raises(AccountLocked) as waiting:
        sign_in(citizen.personal_id, last + timedelta(seconds=1))

    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert waiting.value.fields["retry_after"] == "15"  # 16 s after the ninth, 1 s gone


def test_four_failures_do_not_slow_and_old_failures_are_forgotten(citizen):
    for minute in (0, 1, 2, 3):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    assert sign_in(citizen.personal_id, T0 + timedelta(minutes=3, seconds=1)) == citizen
    # The success cleared the pair: four more failures and no wait.
    for minute in (10, 11, 12, 13):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    assert sign_in(citizen.personal_id, T0 + timedelta(minutes=13, seconds=1)) == citizen
    # Five failures, the first of them more than twelve hours before the next attempt.
    for hours in (20, 33, 33.1, 33.2, 33.3):
        fail(citizen.personal_id, T0 + timedelta(hours=hours))
    assert sign_in(citizen.personal_id, T0 + timedelta(hours=33.3, seconds=0.5)) == citizen


def test_a_strangers_failures_never_slow_the_owner_from_another_address(citizen):
    # Twelve failures from the stranger's address, each after the wait the last one earned.
    for n in range(12):
        fail(citizen.personal_id, T0 + timedelta(minutes=16 * n), ip="203.0.113.7")
    after = T0 + timedelta(minutes=16 * 11, seconds=30)

    # The stranger's address waits (12 failures: 128 s after the last) ...
    with pytest.raises(AccountLocked) as waiting:
        sign_in(citizen.personal_id, after, ip="203.0.113.7")
    assert waiting.value.fields["retry_after"] == "98"
    # ... the owner, at home, signs in at once, and so does another account from the
    # stranger's address (12 failures there are under the address's 20).
    assert sign_in(citizen.personal_id, after, ip="198.51.100.1") == citizen
    other = CitizenFactory(username="046090000777", personal_id="046090000777")
    assert sign_in(other.personal_id, after, ip="203.0.113.7") == other


def test_an_address_failing_on_many_accounts_is_slowed_for_accounts_it_does_not_know(db):
    UserFactory(username="canbo_a")
    for n in range(20):
        fail(f"ten-doan-{n}", T0 + timedelta(seconds=n * 30))
    last = T0 + timedelta(seconds=19 * 30)

    with pytest.raises(AccountLocked) as waiting:
        sign_in("canbo_a", last + timedelta(milliseconds=100))
    assert waiting.value.message == (
        "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. Vui lòng thử lại sau 1 giây."
    )
    # The twenty-first failure doubles the address's wait.
    fail("ten-doan-20", last + timedelta(seconds=1))
    with pytest.raises(AccountLocked) as waiting:
        sign_in("canbo_a", last + timedelta(seconds=2))
    assert waiting.value.fields["retry_after"] == "1"  # 2 s after the 21st, 1 s gone
    # Another address is not affected, and the wait ends on time.
    assert sign_in("canbo_a", last + timedelta(seconds=2), ip="198.51.100.1").username == "canbo_a"
    assert sign_in("canbo_a", last + timedelta(seconds=3)).username == "canbo_a"


def test_colleagues_behind_one_office_address_keep_signing_in_while_someone_there_guesses(db):
    """One NAT address for a whole office: a colleague who signed in from it within 30 days is
    not slowed by the address's failures; only accounts never seen there wait."""
    UserFactory(username="canbo_a")
    UserFactory(username="canbo_b")
    office = "203.0.113.50"
    assert sign_in("canbo_b", T0 - timedelta(days=29), ip=office).username == "canbo_b"
    for n in range(40):
        failed_earlier(f"ten-doan-{n}", T0 + timedelta(seconds=n), ip=office)
    now = T0 + timedelta(seconds=40)

    assert sign_in("canbo_b", now, ip=office).username == "canbo_b"
    with pytest.raises(AccountLocked) as waiting:
        sign_in("canbo_a", now, ip=office)
    assert waiting.value.fields["retry_after"] == "899"  # 40 failures: the cap, 1 s gone
    # A success older than 30 days no longer vouches for the account.
    UserFactory(username="canbo_c")
    sign_in("canbo_c", T0 - timedelta(days=31), ip=office)
    with pytest.raises(AccountLocked):
        sign_in("canbo_c", now, ip=office)


def test_the_sign_in_page_shows_the_wait(client, citizen, monkeypatch):
    clock = [T0]
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock[0])
    wrong = {"username": citizen.personal_id, "password": "sai"}
    statuses = []
    for minute in range(6):
        clock[0] = T0 + timedelta(minutes=minute)
        statuses.append(client.post("/dang-nhap/", wrong).status_code)
    clock[0] = T0 + timedelta(minutes=5, seconds=1)
    response = client.post("/dang-nhap/", {**wrong, "password": PASSWORD})

    assert statuses == [400] * 6
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response.context["error"] == (
        "Đã nhập sai mật khẩu của tài khoản này nhiều lần từ địa chỉ mạng này. "
        "Vui lòng thử lại sau 1 giây."
    )
    assert "_auth_user_id" not in client.session
    clock[0] = T0 + timedelta(minutes=5, seconds=2)
    assert client.post("/dang-nhap/", {**wrong, "password": PASSWORD}).status_code == 302


def test_attempts_and_audit_hold_no_personal_id(citizen):
    for minute in range(5):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    with pytest.raises(AccountLocked):
        sign_in(citizen.personal_id, T0 + timedelta(minutes=4, milliseconds=500))

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["account.sign_in_failed"] * 5 + [
        "account.slowed_down",
        "account.sign_in_locked",
    ]
    stored = [str(row) for row in AuditEvent.objects.values_list("object_id", "data")]
    stored += [str(row) for row in LoginAttempt.objects.values_list("username_key", "ip_key")]
    assert not [row for row in stored if citizen.personal_id in row or "203.0.113.7" in row]


def test_the_count_is_per_account_whether_its_id_or_its_username_is_typed(db):
    user = CitizenFactory(username="an.nguyen", personal_id=AN)
    for minute, typed in enumerate([AN, "an.nguyen", AN, "an.nguyen", AN]):
        fail(typed, T0 + timedelta(minutes=minute))

    for typed in (AN, "an.nguyen"):
        with pytest.raises(AccountLocked):
            sign_in(typed, T0 + timedelta(minutes=4, milliseconds=500))
    assert sign_in("an.nguyen", T0 + timedelta(minutes=4, seconds=1)) == user


def test_the_attempt_is_counted_before_the_password_is_checked(citizen, monkeypatch):
    """An attempt that is still checking its password already counts, so parallel guesses
    cannot all pass the lock check before any of them is recorded."""
    import motcua.portal.accounts as accounts

    seen = []
    real = accounts.authenticate

    def authenticate(request, **credentials):
        seen.append(list(LoginAttempt.objects.values_list("outcome", flat=True)))
        return real(request, **credentials)

    monkeypatch.setattr(accounts, "authenticate", authenticate)
    fail(citizen.personal_id, T0)
    assert seen == [["failure"]]
    assert (
        account_sign_in(
            identifier=citizen.personal_id, password=PASSWORD, ip="x", now=T0 + timedelta(minutes=1)
        )
        == citizen
    )
    assert seen[1] == ["failure", "failure"]  # newest first: this one, pending
    assert list(LoginAttempt.objects.order_by("id").values_list("outcome", flat=True)) == [
        "failure",
        "success",
    ]


def test_a_guess_made_while_another_is_checking_its_password_sees_it(citizen, monkeypatch):
    """Four failures, then two guesses at once: the second arrives while the first (the
    fifth) is checking its password, and is refused by the lock the first one completes."""
    import motcua.portal.accounts as accounts

    for minute in range(4):
        fail(citizen.personal_id, T0 + timedelta(minutes=minute))
    real = accounts.authenticate
    inner: list[Exception] = []

    def authenticate(request, **credentials):
        if not inner:
            try:
                account_sign_in(
                    identifier=citizen.personal_id,
                    password=PASSWORD,
                    ip="203.0.113.7",
                    now=T0 + timedelta(minutes=5),
                )
            except AccountLocked as error:
                inner.append(error)
        return real(request, **credentials)

    monkeypatch.setattr(accounts, "authenticate", authenticate)
    fail(citizen.personal_id, T0 + timedelta(minutes=5))

    assert [type(e) for e in inner] == [AccountLocked]
    assert list(LoginAttempt.objects.order_by("id").values_list("outcome", flat=True)) == [
        "failure"
    ] * 5 + ["locked"]


def test_the_admin_login_page_sends_to_the_sign_in_with_the_lockout(client, db):
    admin_user = UserFactory(username="quantri", is_staff=True, is_superuser=True)

    response = client.get("/admin/login/?next=/admin/directory/user/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/dang-nhap/?next=%2Fadmin%2Fdirectory%2Fuser%2F",
    )
    # A password posted to the admin's form is never checked there.
    response = client.post("/admin/login/", {"username": "quantri", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=%2Fadmin%2F")
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.count() == 0
    # A foreign next is dropped.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/dang-nhap/?next=%2Fadmin%2F"
    # Signed in through the lockout and the second factor, the admin opens.
    client.post("/dang-nhap/", {"username": "quantri", "password": PASSWORD})
    second_factor_pass(client, admin_user)
    assert client.session["_auth_user_id"] == str(admin_user.pk)
    assert client.get("/admin/").status_code == 200


def test_a_locked_staff_account_cannot_get_in_through_the_admin(client, db):
    UserFactory(username="quantri", is_staff=True, is_superuser=True)
    # Ten failures from this address, the last a second ago: it waits 32 s.
    for n in range(10):
        failed_earlier("quantri", timezone.now() - timedelta(seconds=10 - n), ip="127.0.0.1")

    response = client.post("/admin/login/", {"username": "quantri", "password": PASSWORD})
    assert response.status_code == 302
    response = client.post("/dang-nhap/", {"username": "quantri", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


@pytest.mark.parametrize(
    ("behind_proxy", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "203.0.113.7"),
        (True, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (
            True,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"},
            "203.0.113.7",
        ),
    ],
)
def test_the_address_counted_is_the_connection_unless_behind_our_proxy(
    rf, settings, behind_proxy, meta, expected
):
    settings.MOTCUA_BEHIND_PROXY = behind_proxy
    assert client_ip(rf.get("/", **meta)) == expected


@pytest.mark.django_db(transaction=True)
def test_two_guesses_at_once_from_two_connections_queue_on_the_key(monkeypatch):
    """Real concurrency (two threads, two connections): while the fifth guess checks its
    password, a sixth arrives; it waits for the fifth's row lock and is refused."""
    import threading
    import time

    from django.db import connection

    import motcua.portal.accounts as accounts

    user = CitizenFactory(username=AN, personal_id=AN)
    for minute in range(4):
        fail(AN, T0 + timedelta(minutes=minute), ip="x")
    checking = threading.Event()
    real = accounts.authenticate

    def authenticate(request, **credentials):
        if threading.current_thread().name == "fifth":
            checking.set()
            time.sleep(0.5)  # the sixth starts meanwhile and must wait
        return real(request, **credentials)

    monkeypatch.setattr(accounts, "authenticate", authenticate)
    outcomes: dict[str, str] = {}

    def guess(name: str) -> None:
        try:
            account_sign_in(
                identifier=AN, password="sai-mat-khau", ip="x", now=T0 + timedelta(minutes=5)
            )
        except AccountLocked:
            outcomes[name] = "locked"
        except ValidationFailed:
            outcomes[name] = "failure"
        finally:
            connection.close()

    fifth = threading.Thread(target=guess, args=("fifth",), name="fifth")
    fifth.start()
    assert checking.wait(10)
    sixth = threading.Thread(target=guess, args=("sixth",), name="sixth")
    sixth.start()
    fifth.join(20)
    sixth.join(20)

    assert outcomes == {"fifth": "failure", "sixth": "locked"}
    assert list(
        LoginAttempt.objects.filter(username_key=attempt_key(user.username, scope="username"))
        .order_by("id")
        .values_list("outcome", flat=True)
    ) == ["failure"] * 5 + ["locked"]
