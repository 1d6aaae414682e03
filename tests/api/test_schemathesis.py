"""The whole API against its own OpenAPI document, with requests schemathesis generates
(issue 17): no server error, every answer's status, headers and body as the document says.

A small run for every `make test` (a few dozen cases per operation, well under a minute); the
run of 5,000 and more requests against a served demo is one command in docs/howto/api.md.
Calls go through Django's test client in the test's own transaction, so the data made here is
what they meet: two agencies, a procedure, a dossier, and a token for one of the agencies."""

from __future__ import annotations

import zlib
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict, HTTPResponse

from motcua.api import api
from motcua.directory.tokens import api_token_create

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
BASE_URL = "http://testserver"


class DjangoClientAdapter(BaseAdapter):
    """Sends what schemathesis prepares (bytes on the wire, as `st run` sends them) through
    Django's test client, in the test's transaction. Its WSGI transport would re-encode
    multipart bodies with Werkzeug's own encoder, which is not what a client sends."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client(raise_request_exception=False)

    def send(self, request: PreparedRequest, **kwargs: object) -> Response:
        url = urlsplit(request.url or "")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        answer = self.client.generic(
            request.method or "GET",
            url.path + (f"?{url.query}" if url.query else ""),
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""),
            headers=headers,
        )
        response = Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(answer.items())
        response.raw = HTTPResponse(
            body=b"", headers=HTTPHeaderDict(answer.items()), status=answer.status_code, version=11
        )
        response._content = answer.content
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


TOKEN: dict[str, str] = {}


@pytest.fixture
def _data(db, walker, agency, other_agency):
    # As Django's test client does: a request's end must not close the connection that holds
    # the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    dossier = walker.create()
    walker.act(dossier, "submit")
    TOKEN["secret"] = api_token_create(
        actor=None, name="Kiểm thử", agency_codes=[agency.code]
    ).secret
    yield
    cache.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_data")
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_document_says(case):
    # Half the cases as a system with a token, half as anybody, so both answers are met.
    headers = (
        {"Authorization": f"Bearer {TOKEN['secret']}"}
        if zlib.crc32(repr(case).encode()) % 2
        else {}
    )
    session = requests.Session()
    session.mount(BASE_URL, DjangoClientAdapter())
    response = case.call(base_url=BASE_URL, session=session, headers=headers)

    case.validate_response(response, headers=headers)
