"""The security settings the portal relies on (motcua.settings): the secret key kept on disk
when none is given, and the cookie flags. Here because the lockout's hashes are keyed on it."""

from __future__ import annotations

import stat
import threading

import pytest
from django.conf import settings

from motcua.settings import secret_key_load


def test_a_missing_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "var" / "secret_key"

    first = secret_key_load(path)
    again = secret_key_load(path)

    assert first == again
    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_an_existing_key_is_used_as_it_is(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("k" * 60 + "\n")
    assert secret_key_load(path) == "k" * 60


def test_a_file_without_a_usable_key_stops_the_start(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(RuntimeError) as stopped:
        secret_key_load(path)
    assert str(stopped.value) == f"{path} holds no usable secret key; delete it to make a new one"
    assert path.read_text() == ""


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "secret_key"
    keys: list[str] = []
    threads = [
        threading.Thread(target=lambda: keys.append(secret_key_load(path))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert set(keys) == {path.read_text()}


def test_cookies_are_http_only_and_https_only_when_asked():
    # The suite runs without MOTCUA_HTTPS, like http://127.0.0.1:8000.
    assert (
        settings.SESSION_COOKIE_HTTPONLY,
        settings.SESSION_COOKIE_SECURE,
        settings.CSRF_COOKIE_SECURE,
        settings.MOTCUA_BEHIND_PROXY,
        getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    ) == (True, False, False, False, None)
