"""The whole API against its own OpenAPI document, with requests schemathesis generates
(issue 17): no server error, every answer's status, headers and body as the document says.

A small run for every `make test` (a few dozen cases per operation, well under a minute); the
run of 5,000 and more requests against a served demo is one command in docs/howto/api.md.
Calls go through the WSGI application in the test's own transaction, so the data made here is
what they meet: two agencies, a procedure, a dossier, and a token for one of the agencies."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from motcua.api import api
from motcua.directory.tokens import api_token_create
from motcua.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

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
    headers = {"Authorization": f"Bearer {TOKEN['secret']}"} if hash(repr(case)) % 2 else {}
    response = case.call(headers=headers)

    case.validate_response(response, headers=headers)
