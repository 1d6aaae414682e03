"""The webhook receiver: a signed, fresh, well-formed event is handled once; anything else is
refused with a JSON reason and leaves nothing behind — never a 500."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from motcua.core.models import OutboxMessage
from motcua.messaging.models import CommandCounter, InboundEvent
from tests.messaging.conftest import event_body, post_event, post_raw

pytestmark = pytest.mark.django_db


def nothing_stored() -> bool:
    return (
        not InboundEvent.objects.exists()
        and not OutboxMessage.objects.exists()
        and not CommandCounter.objects.exists()
    )


def test_a_signed_event_is_handled_once_and_answered_with_the_help(client, channel):
    body = event_body("xin chào", event_id="ev-once")

    first = post_event(client, body)
    again = post_event(client, body)

    assert first.status_code == 200
    assert first.json() == {"status": "ok", "outcome": "help"}
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "outcome": "help"}
    assert list(InboundEvent.objects.values_list("event_id", "outcome")) == [("ev-once", "help")]
    (reply,) = OutboxMessage.objects.filter(topic="messaging.reply")
    assert reply.payload["follower_id"] == "follower-1234567"
    assert reply.payload["key"] == "reply-ev-once"
    assert "TRACUU" in reply.payload["text"]


def test_a_forged_signature_is_refused_and_stores_nothing(client, channel):
    body = json.dumps(event_body()).encode()

    response = post_raw(client, body, secret="someone-elses-secret")

    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert nothing_stored()


def test_a_missing_signature_is_refused(client, channel):
    response = client.post(
        "/kenh-nhan-tin/webhook/",
        data=json.dumps(event_body()),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"
    assert nothing_stored()


def test_a_signature_over_another_body_is_refused(client, channel):
    signed = json.dumps(event_body("a")).encode()
    sent = json.dumps(event_body("b")).encode()
    from motcua.messaging.platform import signature

    response = client.post(
        "/kenh-nhan-tin/webhook/",
        data=sent,
        content_type="application/json",
        headers={"X-Event-Signature": signature(signed, "test-messaging-app-secret")},
    )
    assert response.status_code == 401
    assert nothing_stored()


@pytest.mark.parametrize("offset_s", [-301, 301, -86400])
def test_an_event_outside_the_window_is_refused_as_a_replay(client, channel, offset_s):
    at_ms = int((time.time() + offset_s) * 1000)

    response = post_event(client, at_ms=at_ms)

    assert response.status_code == 401
    assert response.json()["code"] == "stale"
    assert nothing_stored()


def test_an_event_for_another_app_is_refused(client, channel):
    response = post_event(client, event_body(app_id="another-app"))
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_app"
    assert nothing_stored()


def test_an_oversized_body_is_refused_before_it_is_read(client, channel):
    body = json.dumps(event_body("x" * 70000)).encode()
    response = post_raw(client, body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert nothing_stored()


def test_other_methods_and_types_are_refused(client, channel):
    assert client.get("/kenh-nhan-tin/webhook/").status_code == 405
    response = client.post(
        "/kenh-nhan-tin/webhook/", data="a=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "content_type"
    assert nothing_stored()


def test_without_configuration_the_webhook_answers_503(client, settings):
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "app_secret": ""}
    response = post_event(client)
    assert response.status_code == 503
    assert response.json()["code"] == "not_configured"


def _with(**changes):
    body = event_body()
    for key, value in changes.items():
        if value is _DROP:
            body.pop(key)
        else:
            body[key] = value
    return json.dumps(body).encode()


_DROP = object()
BAD_BODIES = {
    "not json": b"not json",
    "invalid utf-8": b'{"a": "\xff"}',
    "a list": b"[]",
    "a string": b'"event"',
    "deep nesting": b"[" * 30000 + b"]" * 30000,
    "no event name": _with(event_name=_DROP),
    "event name a number": _with(event_name=1),
    "event name with spaces": _with(event_name="user send"),
    "no event id": _with(event_id=_DROP),
    "event id too long": _with(event_id="e" * 65),
    "event id with a slash": _with(event_id="../etc"),
    "no timestamp": _with(timestamp=_DROP),
    "timestamp text": _with(timestamp="yesterday"),
    "timestamp bool": _with(timestamp=True),
    "timestamp negative": _with(timestamp=-5),
    "timestamp huge": _with(timestamp=10**20),
    "no sender": _with(sender=_DROP),
    "sender a string": _with(sender="follower"),
    "sender id empty": _with(sender={"id": ""}),
    "no app id": _with(app_id=_DROP),
    "message missing": _with(message=_DROP),
    "message a list": _with(message=[]),
    "text a number": _with(message={"text": 5}),
    "text empty": _with(message={"text": "   "}),
    "text with NUL": _with(message={"text": "a\x00b"}),
    "text too long": _with(message={"text": "x" * 2001}),
    "image without attachments": _with(event_name="user_send_image", message={"text": "PAKN"}),
    "attachments not a list": _with(
        event_name="user_send_image", message={"text": "", "attachments": {}}
    ),
    "attachment not an image": _with(
        event_name="user_send_image",
        message={"attachments": [{"type": "file", "payload": {"url": "http://x/a"}}]},
    ),
    "attachment javascript url": _with(
        event_name="user_send_image",
        message={"attachments": [{"type": "image", "payload": {"url": "javascript:alert(1)"}}]},
    ),
    "too many attachments": _with(
        event_name="user_send_image",
        message={
            "attachments": [{"type": "image", "payload": {"url": "http://x/a"}}] * 6,
        },
    ),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_a_malformed_body_is_refused_with_its_reason(client, channel, name):
    response = post_raw(client, BAD_BODIES[name])

    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] in {"malformed", "too_long", "too_many"}
    assert answer["message"]
    assert nothing_stored()


def test_an_empty_body_is_refused(client, channel):
    response = post_raw(client, b"")
    assert response.status_code in {400, 415}
    assert response.json()["code"] in {"malformed", "content_type"}
    assert nothing_stored()


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=12), children, max_size=5)
            ),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_no_signed_body_makes_a_server_error(client, channel, body):
    response = post_raw(client, body)
    assert response.status_code in {200, 400, 401, 403, 415}
    assert response.json()["code" if response.status_code != 200 else "status"]
