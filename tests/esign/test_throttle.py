"""Anyone may ask for a verification, and each one runs pyHanko over up to 10 MB: at most 20
per client address in 10 minutes, counted across the page and the API, then 429 with a
Vietnamese message — and no verification runs."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.esign import verify

LIMITED = (
    "Bạn đã gửi quá nhiều yêu cầu xác thực (tối đa 20 lần trong 10 phút). Vui lòng thử lại sau "
    "ít phút."
)
PAGE, API = "/ket-qua/xac-thuc/", "/api/v1/results/verify"


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("ket-qua.pdf", b"GIF89a not a pdf", content_type="application/pdf")


@pytest.fixture
def checks(monkeypatch):
    """How many times the verification itself ran."""
    ran: list[bytes] = []
    real = verify.result_verify

    def counting(data: bytes, **kwargs):
        ran.append(data)
        return real(data, **kwargs)

    monkeypatch.setattr("motcua.esign.views.result_verify", counting)
    monkeypatch.setattr("motcua.esign.api.result_verify", counting)
    return ran


@pytest.mark.django_db
def test_the_page_refuses_the_21st_check_from_one_address(client, checks):
    for _ in range(20):
        response = client.post(PAGE, {"file": upload()})
        assert response.status_code == 200
        assert 'data-code="not_pdf"' in response.content.decode()

    refused = client.post(PAGE, {"file": upload()})

    html = refused.content.decode()
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    assert f'<p class="verdict bad" role="alert" data-testid="refusal">{LIMITED}</p>' in html
    assert 'data-testid="verdict"' not in html
    assert len(checks) == 20


@pytest.mark.django_db
def test_the_api_refuses_with_its_error_shape(client, checks):
    for _ in range(20):
        assert client.post(API, {"file": upload()}).status_code == 200

    refused = client.post(API, {"file": upload()})

    assert refused.status_code == 429
    assert refused.json() == {"code": "rate_limited", "message": LIMITED, "fields": {}}
    assert len(checks) == 20


@pytest.mark.django_db
def test_the_page_and_the_api_share_one_count(client, checks):
    for _ in range(10):
        assert client.post(PAGE, {"file": upload()}).status_code == 200
        assert client.post(API, {"file": upload()}).status_code == 200

    assert client.post(API, {"file": upload()}).status_code == 429
    assert client.post(PAGE, {"file": upload()}).status_code == 429
    assert len(checks) == 20


@pytest.mark.django_db
def test_another_address_keeps_its_own_count(client, checks):
    for _ in range(21):
        client.post(PAGE, {"file": upload()}, REMOTE_ADDR="203.0.113.7")

    other = client.post(PAGE, {"file": upload()}, REMOTE_ADDR="203.0.113.8")

    assert other.status_code == 200
    assert 'data-code="not_pdf"' in other.content.decode()
    assert len(checks) == 21


@pytest.mark.django_db
def test_behind_our_proxy_the_address_it_appended_is_counted(client, checks, settings):
    settings.MOTCUA_BEHIND_PROXY = True
    for n in range(20):
        # The client writes what it likes on the left; our proxy appends the real address.
        forwarded = f"198.51.100.{n}, 203.0.113.7"
        assert (
            client.post(PAGE, {"file": upload()}, HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
        )

    spoofed = client.post(
        PAGE, {"file": upload()}, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7"
    )
    other = client.post(PAGE, {"file": upload()}, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert (spoofed.status_code, other.status_code) == (429, 200)
    assert len(checks) == 21


@pytest.mark.django_db
def test_not_behind_a_proxy_the_forwarded_header_is_ignored(client, checks, settings):
    settings.MOTCUA_BEHIND_PROXY = False
    for n in range(20):
        client.post(PAGE, {"file": upload()}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    refused = client.post(PAGE, {"file": upload()}, HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert refused.status_code == 429
    assert len(checks) == 20


@pytest.mark.django_db
def test_the_count_starts_again_after_the_window(client, checks, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr("time.time", lambda: clock[0])  # the cache's clock
    for _ in range(20):
        client.post(PAGE, {"file": upload()})
    assert client.post(PAGE, {"file": upload()}).status_code == 429

    clock[0] += 601

    assert client.post(PAGE, {"file": upload()}).status_code == 200
    assert len(checks) == 21


@pytest.mark.django_db
def test_a_form_without_a_file_is_not_counted(client, checks):
    for _ in range(25):
        assert client.post(PAGE, {}).status_code == 400

    assert client.post(PAGE, {"file": upload()}).status_code == 200
    assert len(checks) == 1


@pytest.mark.django_db
def test_looking_at_the_page_is_not_counted(client, checks):
    for _ in range(25):
        assert client.get(PAGE).status_code == 200

    assert client.post(PAGE, {"file": upload()}).status_code == 200
    assert len(checks) == 1
