"""One JSON line per request, carrying the request id the response sends back, naming the route
and never the path, the query string, the personal ID or the name (domain.md §10)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from motcua.core.logs import JsonFormatter, TextFormatter

PERSONAL_ID = "001090000001"
NAME = "Nguyễn Thị Bảo Ngọc"


@contextmanager
def captured(logger: str = "") -> Iterator[io.StringIO]:
    """Everything logged meanwhile, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger(logger).addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger(logger).removeHandler(handler)


@pytest.fixture
def named_citizen(citizen):
    citizen.full_name = NAME
    citizen.save(update_fields=["full_name"])
    return citizen


@pytest.mark.django_db
def test_a_request_is_one_line_with_its_id_and_no_personal_data(client, named_citizen):
    client.force_login(named_citizen)
    with captured() as stream:
        found = client.get(f"/ho-so-cua-toi/?ma={PERSONAL_ID}&ho_ten={NAME}")
        missing = client.get(f"/ho-so-cua-toi/{PERSONAL_ID}/khong-co/")
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]

    assert PERSONAL_ID not in output
    assert NAME not in output
    assert "ho-so-cua-toi" not in output
    requests = [line for line in lines if line["logger"] == "motcua.request"]
    assert [line["http"]["route"] for line in requests] == ["portal:mine", "unmatched"]
    first = requests[0]
    assert first["message"] == "request"
    assert first["level"] == "INFO"
    assert first["request_id"] == found["X-Request-ID"]
    assert len(found["X-Request-ID"]) == 32
    assert first["http"]["method"] == "GET"
    assert first["http"]["status"] == found.status_code
    assert first["http"]["user_id"] == named_citizen.pk
    assert first["http"]["duration_ms"] >= 0
    assert set(first) == {"time", "level", "logger", "message", "request_id", "http"}
    assert requests[1]["http"]["status"] == missing.status_code == 404
    assert requests[1]["request_id"] == missing["X-Request-ID"] != first["request_id"]


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user(client):
    with captured("motcua.request") as stream:
        client.get("/")

    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["http"]["route"] == "portal:home"
    assert line["http"]["user_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("lb-3f2a9c1e-77", True),
        ("a" * 64, True),
        ("short", False),
        ("a" * 65, False),
        ('x"}\n{"level":"ERROR"', False),
        ("", False),
    ],
)
def test_the_proxy_request_id_is_kept_only_when_sane(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})

    assert (response["X-Request-ID"] == sent) is kept
    assert len(response["X-Request-ID"]) in ((len(sent),) if kept else (32,))


def test_django_request_messages_lose_the_path():
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "%s: %s",
        ("Not Found", "/x/001090000001/"),
        None,
    )

    assert json.loads(JsonFormatter().format(record))["message"] == "Not Found"
    assert "001090000001" not in TextFormatter().format(record)


def test_an_exception_is_logged_by_type_and_frames_not_message():
    try:
        raise ValueError(f"duplicate key personal_id={PERSONAL_ID}")
    except ValueError:
        record = logging.LogRecord(
            "motcua.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )

    line = JsonFormatter().format(record)

    assert PERSONAL_ID not in line
    exception = json.loads(line)["exception"]
    assert exception["type"] == "builtins.ValueError"
    assert exception["frames"][-1].endswith(
        "in test_an_exception_is_logged_by_type_and_frames_not_message"
    )
