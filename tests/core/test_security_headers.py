"""Every page says where scripts may come from (Content-Security-Policy, django-csp) and, over
HTTPS, that the browser must keep to HTTPS (HSTS), whenever DEBUG is off."""

from __future__ import annotations

import re

from django.conf import settings

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    """The policy as {directive: sources} (django-csp does not keep one order)."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_a_page_without_inline_script_allows_only_our_own_scripts(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_sign_in_page_and_a_missing_page_carry_the_policy_too(client, db):
    assert directives(client.get("/dang-nhap/")["Content-Security-Policy"]) == POLICY
    missing = client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    assert directives(missing["Content-Security-Policy"]) == POLICY


def test_an_inline_script_runs_only_with_this_responses_nonce(rf):
    from csp.middleware import CSPMiddleware
    from django.template import engines
    from django.test import RequestFactory

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')
    nonces = []
    for _ in range(2):
        request = RequestFactory().get("/")
        middleware = CSPMiddleware(lambda r: None)
        middleware.process_request(request)
        from django.http import HttpResponse

        response = middleware.process_response(
            request, HttpResponse(template.render({"request": request}))
        )
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_hsts_is_sent_over_https_whenever_debug_is_off(client, db):
    assert (settings.DEBUG, settings.SECURE_HSTS_SECONDS) == (False, 31536000)
    secure = client.get("/", secure=True)
    plain = client.get("/")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain
