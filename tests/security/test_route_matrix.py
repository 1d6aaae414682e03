"""Every state-changing page of the site × anonymous / another citizen / staff of another
agency / another role of the right agency / the applicant where only staff may act / the
right actor. A wrong actor gets the page's exact refusal and the database is unchanged (every
table, compared row by row); the right actor's post changes what the row says it changes, so
each row can fail both ways. The rows are in rows.py (the pages that act on a dossier) and
rows_other.py (the rest); test_route_coverage.py holds that every state-changing route of the
code has one."""

from __future__ import annotations

import pytest

from motcua.directory.models import Role
from motcua.dossiers.models import Channel, State
from tests.security.rows import DOSSIER_ROWS, SIGN_IN, Row
from tests.security.rows_bundles import BUNDLE_ROWS
from tests.security.rows_docexchange import DOCEXCHANGE_ROWS
from tests.security.rows_other import OTHER_ROWS
from tests.security.world import HOME, RIGHT, changed_tables, client_for, fingerprint

ROWS = DOSSIER_ROWS + OTHER_ROWS + BUNDLE_ROWS + DOCEXCHANGE_ROWS


def _post(row: Row, world, client):
    return client.post(row.url(world), row.data(world))


def _cases(rows: list[Row]):
    return [
        pytest.param(row, kind, id=f"{row.route}[{row.label}]-{kind}")
        for row in rows
        for kind in (*row.refused, RIGHT)
    ]


@pytest.mark.parametrize(("row", "kind"), _cases(ROWS))
def test_route_by_actor(world, db, row: Row, kind: str):
    actors = row.actors(world)
    if kind == RIGHT:
        ((label, user),) = actors[RIGHT]
        client = client_for(user)
        before = row.effect(world)
        response = _post(row, world, client)
        after = row.effect(world)
        assert response.status_code == row.passed, (label, response.content.decode())
        assert row.done(before, after), (label, before, after)
        return
    users = actors.get(kind, [])
    assert users, f"no {kind} actor"
    for label, user in users:
        # Signed in first: signing in writes `last_login`, the request must write nothing.
        client = client_for(user)
        before = fingerprint()
        response = _post(row, world, client)
        assert response.status_code == row.refused[kind], (label, response.status_code)
        if row.refused[kind] == SIGN_IN:
            assert response["Location"].startswith("/dang-nhap/?next="), label
        assert changed_tables(before, fingerprint()) == [], label


def test_the_counter_cannot_receive_an_online_draft_never_submitted(world, db):
    """A citizen's online draft is theirs alone until submitted: the agency's reception
    officer can neither open it at the counter nor receive it, and the processing page does
    not show it to the agency's specialist."""
    draft = world.dossier(State.DRAFT)
    assert draft.channel == Channel.ONLINE
    client = client_for(world.officer(HOME, Role.RECEPTION))
    before = fingerprint()

    response = client.post(
        f"/mot-cua/ho-so/{draft.public_code}/kiem-tra/",
        {"version": draft.version, "hanh_dong": "receive", "checklist": "on", "note_text": ""},
    )

    assert response.status_code == 403
    assert changed_tables(before, fingerprint()) == []
    assert client.get(f"/mot-cua/ho-so/{draft.public_code}/kiem-tra/").status_code == 403
    specialist = client_for(world.officer(HOME, Role.SPECIALIST))
    assert specialist.get(f"/mot-cua/xu-ly/{draft.public_code}/").status_code == 404
