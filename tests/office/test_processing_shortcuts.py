"""Keyboard shortcuts of the processing pages (docs/howto/processing.md): the exact accesskeys
each page carries, on which element, shown as <kbd> hints, and never twice on one page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.directory.models import Role, StaffRole
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from motcua.office.processing import queue as queue_module
from tests.factories import staff

pytestmark = pytest.mark.django_db

QUEUE = "/mot-cua/xu-ly/"
ACCESSKEY = re.compile(r'<(\w+)\b[^>]*?\baccesskey="([^"]*)"[^>]*>')
# Never the browsers' own: address bar (D), menus (E, F).
RESERVED = set("def")


def shortcuts(html: str) -> list[tuple[str, str]]:
    """(element, key) for every accesskey on the page, in document order."""
    found = ACCESSKEY.findall(html)
    keys = [key for _tag, key in found]
    assert len(keys) == len(set(keys)), f"accesskeys repeated: {keys}"
    assert not set(keys) & RESERVED
    for _tag, key in found:
        assert f'aria-keyshortcuts="Alt+{key.upper()}"' in html
        assert f'<kbd aria-hidden="true">Alt+{key.upper()}</kbd>' in html
    return found


def page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def dossier_url(dossier: Dossier) -> str:
    return f"{QUEUE}{dossier.code}/"


def test_specialist_at_a_middle_step(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)  # step 2 of 3

    html = page(walker.specialist, dossier_url(dossier))

    assert shortcuts(html) == [
        ("a", "q"),  # back to the queue
        ("button", "c"),  # Chuyển bước: done at once, like the counter's Alt+C
        ("summary", "l"),  # Trả lại: opens the form (a reason is required)
        ("summary", "b"),  # Đề nghị một cửa yêu cầu bổ sung
        ("summary", "t"),  # Tạm dừng
        ("summary", "r"),  # Từ chối giải quyết
    ]
    assert re.search(r'<button type="submit" class="primary" accesskey="c"[^>]*>Chuyển bước ', html)
    assert re.search(r'<summary accesskey="l"[^>]*>Trả lại bước trước: Thẩm định ', html)


def test_approver_at_the_last_step(walker):
    dossier = walker.act(walker.dossier_in(State.IN_PROGRESS), Action.FORWARD)

    html = page(walker.approver, dossier_url(dossier))

    assert shortcuts(html) == [
        ("a", "q"),
        ("button", "k"),  # Ký số và phê duyệt
        ("button", "p"),  # Phê duyệt
        ("summary", "l"),
        ("summary", "b"),
        ("summary", "t"),
        ("summary", "r"),
    ]


def test_suspended_and_transferred_dossiers(walker):
    suspended = walker.dossier_in(State.SUSPENDED)
    transferred = walker.dossier_in(State.TRANSFERRED)

    assert shortcuts(page(walker.specialist, dossier_url(suspended))) == [
        ("a", "q"),
        ("button", "t"),  # Tiếp tục: the same key as Tạm dừng, never offered together
    ]
    assert shortcuts(page(walker.specialist, dossier_url(transferred))) == [
        ("a", "q"),
        ("button", "n"),  # Nhận lại
    ]


@pytest.mark.parametrize("state", [State.RECEIVED, State.RESULT_READY, State.RETURNED])
def test_without_actions_only_the_way_back(walker, state):
    dossier = walker.dossier_in(state)
    reader = staff(Role.SPECIALIST, walker.agency, username="reader")

    assert shortcuts(page(reader, dossier_url(dossier))) == [("a", "q")]


def test_every_state_and_role_keeps_keys_unique(walker):
    leader = staff(Role.APPROVER, walker.agency, username="both_roles")
    StaffRole.objects.create(user=leader, role=Role.SPECIALIST, agency=walker.agency)
    for state in (State.IN_PROGRESS, State.SUSPENDED, State.TRANSFERRED, State.RESULT_READY):
        dossier = walker.dossier_in(state)
        for user in (walker.specialist, walker.approver, walker.reception, leader):
            shortcuts(page(user, dossier_url(dossier)))  # asserts uniqueness


def test_queue_search_and_pages(walker, monkeypatch):
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 1)
    for _ in range(3):
        walker.dossier_in(State.IN_PROGRESS)

    first = page(walker.specialist, QUEUE)
    middle = page(walker.specialist, f"{QUEUE}?page=2")
    last = page(walker.specialist, f"{QUEUE}?page=3")

    assert shortcuts(first) == [("input", "s"), ("a", "j")]
    assert shortcuts(middle) == [("input", "s"), ("a", "h"), ("a", "j")]
    assert shortcuts(last) == [("input", "s"), ("a", "h")]
    assert re.search(r'<a href="\?page=1" rel="prev" accesskey="h"', middle)
    assert re.search(r'<a href="\?page=3" rel="next" accesskey="j"', middle)
    assert re.search(r'<input type="search" name="q" id="id_q"[^>]*accesskey="s"', first)


def test_queue_keys_keep_the_filter(walker, monkeypatch):
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 1)
    for _ in range(2):
        walker.dossier_in(State.IN_PROGRESS)

    html = page(walker.specialist, f"{QUEUE}?q=l%C3%BD+l%E1%BB%8Bch")

    assert shortcuts(html) == [("input", "s"), ("a", "j")]
    assert re.search(r'<a href="\?q=[^"]+&amp;page=2" rel="next" accesskey="j"', html)


def test_an_empty_queue_still_has_the_search_key(specialist):
    assert shortcuts(page(specialist, QUEUE)) == [("input", "s")]
