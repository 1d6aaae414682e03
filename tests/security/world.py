"""The authorization matrix's world: three agencies, their staff in every role, two citizens,
a dossier in every state of the lifecycle (walked through the real services), and a
fingerprint of the whole database to prove that a refused request changed nothing.

Built once per test module inside an outer transaction (`conftest.world`); every test runs in
a savepoint of it, so a test that changes the world leaves it as it was for the next one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from motcua.core.models import AuditEvent
from motcua.directory.models import Agency, Division, Role, User
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from motcua.esign.pki import demo_pki_ensure
from motcua.esign.services import result_generate
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    FeeLineFactory,
    ProcedureFactory,
    staff,
)
from tests.walker import PATHS, Walker

# The actor kinds of every row of the matrix: who is refused, and who passes.
ANONYMOUS = "anonymous"
OTHER_CITIZEN = "other_citizen"
OTHER_AGENCY = "other_agency"
WRONG_ROLE = "wrong_role"
OWNER = "owner"  # the applicant, refused what only staff may do
RIGHT = "right"

HOME, OTHER, PARTNER = "home", "other", "partner"
LAST_STEP = "in_progress_last_step"
FEE = 150_000
STAFF_ROLES = (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.LEADER)


@dataclass
class World:
    agencies: dict[str, Agency]
    staff: dict[tuple[str, str], User]
    owner: User
    other_citizen: User
    procedure_id: int
    dossiers: dict[str, int] = field(default_factory=dict)
    # What the rows beyond the dossier pages act on (world_other): petitions, a refund...
    extra: dict[str, Any] = field(default_factory=dict)

    def officer(self, agency: str, role: str) -> User:
        return User.objects.get(pk=self.staff[(agency, role)].pk)

    def dossier(self, state: str) -> Dossier:
        return Dossier.objects.select_related("current_step", "procedure", "agency").get(
            pk=self.dossiers[state]
        )


def world_build() -> World:
    home = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    other = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")
    # The walker transfers to this code (tests/walker.PAYLOADS).
    partner = AgencyFactory(code="000.00.13.H99", name="Sở Tài chính thử nghiệm")
    agencies = {HOME: home, OTHER: other, PARTNER: partner}
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[home],
        workflow=[
            ("Thẩm định", Role.SPECIALIST, 50),
            ("Trình ký", Role.SPECIALIST, 20),
            ("Phê duyệt", Role.APPROVER, 30),
        ],
    )
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp Phiếu", amount=FEE)
    officers = {
        (key, role): staff(role, agency, username=f"sec_{key}_{role}")
        for key, agency in agencies.items()
        for role in STAFF_ROLES
    }
    owner = CitizenFactory(username="001090000001", personal_id="001090000001")
    other_citizen = CitizenFactory(username="001090000002", personal_id="001090000002")
    world = World(
        agencies=agencies,
        staff=officers,
        owner=owner,
        other_citizen=other_citizen,
        procedure_id=procedure.pk,
    )
    walker = Walker(
        citizen=owner,
        reception=officers[(HOME, Role.RECEPTION)],
        specialist=officers[(HOME, Role.SPECIALIST)],
        approver=officers[(HOME, Role.APPROVER)],
        procedure=procedure,
        agency=home,
    )
    for state in PATHS:
        world.dossiers[state] = walker.dossier_in(state).pk
    # In progress at its last step (the approver's), where an approval can pass its guard.
    last = walker.dossier_in(State.IN_PROGRESS)
    last = walker.act(last, Action.FORWARD)
    # Its result drafted and the agency's signing key made: what signing and approving needs.
    demo_pki_ensure([home])
    result_generate(actor=walker.approver, dossier=last, text="Chấp thuận cấp Phiếu.")
    world.dossiers[LAST_STEP] = last.pk
    from tests.security.world_other import others_build  # it builds on this module's World

    others_build(world, walker)
    return world


def client_for(user: User | None) -> Client:
    """A browser signed in as `user` (none for anonymous). `force_login` stands for the
    password and, for approvers and leaders, the second factor: both come before the session
    is signed in (portal.second_factor), and what is tested here is what a signed-in session
    may do."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Reference data loaded by migrations, never written by a request: counted, not read row by row.
_COUNTED_ONLY = {Division, ContentType}
# A session is the browser's own.
_SKIPPED = {Session}


def _statements() -> list[tuple[str, str]]:
    """(label, SQL) per table: read through the cursor, since the ORM's cost per query would
    make the fingerprint the slowest part of the matrix."""
    quote = connection.ops.quote_name
    out = []
    for model in apps.get_models(include_auto_created=True):
        if model in _SKIPPED or model._meta.proxy or not model._meta.managed:
            continue
        table = quote(model._meta.db_table)
        if model in _COUNTED_ONLY:
            sql = f"SELECT COUNT(*) FROM {table}"
        elif model is AuditEvent:
            # A staff read of a dossier is audited (`dossier.read`) even when the write that
            # follows is refused: a read, not a change.
            action = quote(AuditEvent._meta.get_field("action").column)
            sql = f"SELECT * FROM {table} WHERE {action} NOT LIKE '%%.read'"
        else:
            sql = f"SELECT * FROM {table}"
        out.append((model._meta.label, sql))
    return out


def fingerprint() -> dict[str, str]:
    """Every table's rows, digested: equal fingerprints mean nothing was written."""
    digest: dict[str, str] = {}
    with connection.cursor() as cursor:
        for label, sql in _statements():
            cursor.execute(sql, ())
            # Sorted here: some keys are composite, and the order rows come in is no change.
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest[label] = hashlib.sha1("\n".join(rows).encode()).hexdigest()
    return digest


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    labels = before.keys() | after.keys()
    return sorted(label for label in labels if before.get(label) != after.get(label))


def dossier_facts(pk: int) -> tuple[int, str, int]:
    """(version, state, number of events): what a refusal must leave as it was."""
    dossier = Dossier.objects.get(pk=pk)
    return dossier.version, dossier.state, dossier.events.count()
