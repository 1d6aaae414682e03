"""The demo province (thành phố Huế), built through the product's own services so that every
dossier's events and derived fields agree: the catalog through `catalog_import`, dossiers
through `dossier_create` and `dossier_transition` with historical moments.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.catalog.services import catalog_import
from motcua.core.calendar import working_calendar
from motcua.core.errors import MotcuaError
from motcua.core.worktime import TZ, WorkingCalendar
from motcua.demo.ballots import demo_ballots_load
from motcua.demo.bundles import demo_bundles_load
from motcua.demo.consultation import demo_consultation_load
from motcua.demo.eforms import demo_eforms_load
from motcua.demo.mergers import demo_merger_load
from motcua.demo.people import Person, random_person
from motcua.demo.reform import demo_reform_load
from motcua.directory.models import Agency, Office, Role, StaffRole, User
from motcua.dossiers.audit.roots import audit_root_make
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from motcua.feedback.demo import demo_petitions_load
from motcua.integration.registry import LocalRegistry
from motcua.payments.demo import demo_fee_choice, demo_pay_online

CATALOG = Path(__file__).parent / "data" / "catalog.json"
DEMO_PASSWORD = "motcua2026"
CITY_CODE = "000.00.00.H46"
CENTRE_CODE = "000.00.01.H46"
JUSTICE_CODE = "000.00.11.H46"
# The procedures people meet most carry more of the demo's dossiers.
POPULAR = {
    "1.001193": 10,
    "2.000488": 8,
    "1.000894": 6,
    "2.000815": 8,
    "1.004222": 4,
    "1.004194": 4,
    "1.009994": 3,
    "1.002804": 4,
}

# Results that expire, by law (entered by the catalog's administrator, not imported — §9):
# the food-safety certificate 3 years (Luật An toàn thực phẩm 2010, Điều 37), the alcohol
# wholesale licence 5 years (Nghị định 105/2017/NĐ-CP).
RESULT_VALID_MONTHS = {"2.000591": 36, "2.000190": 60}


@dataclass
class DemoAccounts:
    admin: User
    reception: User
    specialist: User
    approver: User
    leader: User
    citizens: list[User]


@dataclass
class _World:
    rng: random.Random
    now: datetime
    staff: dict[tuple[int, str], list[User]] = field(default_factory=dict)
    calendars: dict[int, WorkingCalendar] = field(default_factory=dict)
    citizens: list[User] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    def calendar(self, agency: Agency) -> WorkingCalendar:
        if agency.pk not in self.calendars:
            self.calendars[agency.pk] = working_calendar(agency.office_hours)
        return self.calendars[agency.pk]

    def one(self, agency: Agency, role: str) -> User:
        return self.rng.choice(self.staff[(agency.pk, role)])


def demo_is_loaded() -> bool:
    return Procedure.objects.exists()


def demo_load(
    *,
    dossiers: int = 2500,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoAccounts:
    rng = random.Random(seed)
    world = _World(rng=rng, now=now or timezone.now())
    with transaction.atomic():
        catalog_import(actor=None, data=json.loads(CATALOG.read_text(encoding="utf-8")))
        demo_eforms_load()
        for code, months in RESULT_VALID_MONTHS.items():
            Procedure.objects.filter(code=code).update(result_valid_months=months)
        accounts = _accounts(world)
        _offices()
    procedures = list(Procedure.objects.prefetch_related("agencies", "steps"))
    weights = [POPULAR.get(p.code, 1) for p in procedures]
    for start in range(0, dossiers, 100):
        with transaction.atomic():
            for _ in range(min(100, dossiers - start)):
                procedure = rng.choices(procedures, weights)[0]
                _one_dossier(world, procedure)
        if progress:
            progress(min(start + 100, dossiers))
    with transaction.atomic():
        _pinned_examples(world, procedures)
    demo_petitions_load(now=world.now, seed=seed)
    demo_reform_load(now=world.now, actor=accounts.leader)
    demo_ballots_load(now=world.now, actor=accounts.leader)
    demo_consultation_load(now=world.now, actor=accounts.leader, citizens=accounts.citizens)
    demo_merger_load(now=world.now, actor=accounts.admin)
    demo_bundles_load(now=world.now)
    # The first signed root over the demo's chains: deleting a dossier's last event, or the
    # whole dossier, is then found by `motcua audit-verify` too (docs/howto/audit-verify.md).
    audit_root_make()
    return accounts


def _user(username: str, full_name: str, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        # One hash for every demo account: hashing ~170 passwords would take over a minute.
        user = User.objects.create(
            username=username, password=_demo_password_hash(), full_name=full_name, **extra
        )
    return user


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def _grant(world: _World, user: User, agency: Agency, role: str) -> None:
    StaffRole.objects.get_or_create(user=user, agency=agency, role=role)
    world.staff.setdefault((agency.pk, role), []).append(user)


def _accounts(world: _World) -> DemoAccounts:
    rng = world.rng
    agencies = list(Agency.objects.order_by("code"))
    city = next(a for a in agencies if a.code == CITY_CODE)
    justice = next(a for a in agencies if a.code == JUSTICE_CODE)
    admin = _user(
        "quantri",
        "Quản trị hệ thống",
        is_staff=True,
        is_superuser=True,
        email="quantri@motcua.local",
    )
    reception = _user("tiepnhan", "Lê Thị Thu Hà")
    specialist = _user("chuyenvien", "Phan Văn Minh")
    approver = _user("pheduyet", "Hoàng Đức Long")
    leader = _user("lanhdao", "Nguyễn Thanh Sơn")
    _grant(world, leader, city, Role.LEADER)
    _grant(world, specialist, justice, Role.SPECIALIST)
    _grant(world, approver, justice, Role.APPROVER)
    wards = [
        a.name.replace("UBND ", "").replace("phường", "phường").strip()
        for a in agencies
        if a.level == Agency.Level.COMMUNE
    ]
    serial = 100
    for agency in agencies:
        if agency.level == Agency.Level.DEPARTMENT:
            # The provincial centre's counter receives for every department.
            _grant(world, reception, agency, Role.RECEPTION)
        for role, count in ((Role.RECEPTION, 1), (Role.SPECIALIST, 2), (Role.APPROVER, 1)):
            if agency.level == Agency.Level.DEPARTMENT and role == Role.RECEPTION:
                continue
            if agency.level == Agency.Level.PROVINCE and role != Role.APPROVER:
                continue
            for _ in range(count):
                serial += 1
                person = random_person(rng, serial, wards)
                user = _user(f"canbo{serial}", person.full_name)
                _grant(world, user, agency, role)
    citizens = [
        _user(
            "046085001234",
            "Nguyễn Văn An",
            personal_id="046085001234",
            email="nguyenvanan@example.vn",
            phone="0905123456",
        ),
        _user(
            "046192005678",
            "Trần Thị Bình",
            personal_id="046192005678",
            email="tranthibinh@example.vn",
            phone="0914765432",
        ),
    ]
    # Citizens are the local registry's people, so the registry knows every demo applicant.
    world.people = [
        Person(
            full_name=p.full_name,
            personal_id=p.personal_id,
            female=p.sex == "nữ",
            birth_year=p.birth_date.year,
            address=p.permanent_address,
        )
        for p in LocalRegistry().people()[2:]
    ]
    for person in world.people[:60]:
        citizens.append(_user(person.personal_id, person.full_name, personal_id=person.personal_id))
    world.citizens = citizens
    return DemoAccounts(
        admin=admin,
        reception=reception,
        specialist=specialist,
        approver=approver,
        leader=leader,
        citizens=citizens[:2],
    )


def _offices() -> None:
    centre, _ = Office.objects.get_or_create(
        code="H46.TTPVHCC",
        defaults={
            "name": "Trung tâm Phục vụ hành chính công thành phố Huế",
            "address": "01 Lê Lai, phường Thuận Hóa, thành phố Huế",
        },
    )
    centre.agencies.set(
        Agency.objects.filter(level__in=[Agency.Level.DEPARTMENT, Agency.Level.PROVINCE])
    )
    for commune in Agency.objects.filter(level=Agency.Level.COMMUNE):
        office, _ = Office.objects.get_or_create(
            code=f"{commune.code}.MC",
            defaults={"name": f"Bộ phận Một cửa {commune.name}"},
        )
        office.agencies.set([commune])


class _Stop(Exception):
    """The dossier's story has reached the present: leave it where it is."""


class _Story:
    """Moves one dossier through the lifecycle, each action a working moment after the last."""

    def __init__(self, world: _World, dossier: Dossier):
        self.world = world
        self.dossier = dossier
        self.at = dossier.created_at
        self.calendar = world.calendar(dossier.agency)

    def after(self, hours: float) -> datetime:
        moment = self.calendar.add(self.at, timedelta(hours=hours))
        if moment > self.world.now:
            raise _Stop
        return moment

    def act(self, actor: User, action: str, hours: float, **payload) -> None:
        moment = self.after(hours)
        self.dossier = dossier_transition(
            actor=actor,
            dossier=self.dossier,
            action=action,
            at=moment,
            payload=payload,
            note=payload.pop("note", "") if "note" in payload else "",
        )
        self.at = moment

    def step_actor(self) -> User:
        step = self.dossier.current_step
        assert step is not None
        agency = step.agency or self.dossier.agency
        return self.world.one(agency, step.role)


# Recent dossiers held in every open state, and a few open past their due moment, so every
# screen has something to show whatever the random draw produced.
_PINNED: list[tuple[str, list[str]]] = [
    ("draft", []),
    ("submitted", [Action.SUBMIT]),
    ("received", [Action.SUBMIT, Action.RECEIVE]),
    ("in_progress", [Action.SUBMIT, Action.RECEIVE, Action.FORWARD]),
    (
        "supplement_requested",
        [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.REQUEST_SUPPLEMENT],
    ),
    ("suspended", [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.SUSPEND]),
    ("transferred", [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.TRANSFER]),
    (
        "result_ready",
        [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.FORWARD, Action.APPROVE],
    ),
    (
        "cancelled",
        [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.REQUEST_SUPPLEMENT, Action.CANCEL],
    ),
]
_PAYLOADS: dict[str, dict] = {
    Action.REQUEST_SUPPLEMENT: {"missing": ["Bản sao giấy khai sinh"]},
    Action.SUSPEND: {"kind": "financial", "reason": "Chờ nộp lệ phí trước bạ."},
    Action.TRANSFER: {"agency": "000.00.14.H46"},
    Action.CANCEL: {"reason": "Quá hạn nộp bổ sung."},
}


def _pinned_examples(world: _World, procedures: list[Procedure]) -> None:
    online = [p for p in procedures if p.offers_online and p.duration and p.steps.count() >= 2]
    justice = [p for p in online if any(a.code == JUSTICE_CODE for a in p.agencies.all())]
    for index, (_, actions) in enumerate(_PINNED * 2):
        procedure = (justice or online)[index % len(justice or online)]
        days_ago = 2 if index < len(_PINNED) else 40  # the second round is long overdue
        _scripted(world, procedure, days_ago, actions)


def opening_before(calendar: WorkingCalendar, now: datetime, days_ago: int) -> datetime:
    """The opening of the last working day at least `days_ago` days before `now`, so a
    scripted story has working hours to play in whatever day of the week the demo loads."""
    day = now.astimezone(TZ).date() - timedelta(days=days_ago)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return calendar.periods_on(day)[0][0]


def _scripted(world: _World, procedure: Procedure, days_ago: int, actions: list[str]) -> None:
    agency = (
        next(a for a in procedure.agencies.all() if a.code == JUSTICE_CODE)
        if any(a.code == JUSTICE_CODE for a in procedure.agencies.all())
        else procedure.agencies.all()[0]
    )
    start = opening_before(world.calendar(agency), world.now, days_ago)
    applicant = world.rng.choice(world.citizens[:2])
    dossier = dossier_create(
        actor=applicant,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=applicant.full_name,
        applicant_id_number=applicant.personal_id or "",
        applicant_email=applicant.email,
        fee_choice=demo_fee_choice(
            procedure, channel=Channel.ONLINE, applicant_id=applicant.personal_id or ""
        ),
        at=start,
    )
    story = _Story(world, dossier)
    reception = world.one(agency, Role.RECEPTION)
    for action in actions:
        if action == Action.SUBMIT:
            actor = applicant
        elif action in (Action.RECEIVE, Action.REQUEST_SUPPLEMENT, Action.CANCEL) or (
            action == Action.FORWARD and story.dossier.current_step is None
        ):
            actor = reception
        else:
            actor = story.step_actor()
        story.act(actor, action, 0.5, **_PAYLOADS.get(action, {}))


def _one_dossier(world: _World, procedure: Procedure) -> None:
    rng = world.rng
    agency = rng.choice(list(procedure.agencies.all()))
    online = procedure.offers_online and rng.random() < 0.6
    day = world.now - timedelta(days=rng.uniform(0, 182))
    created = day.astimezone(TZ).replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59))
    if created > world.now:
        created = world.now - timedelta(hours=1)
    reception = world.one(agency, Role.RECEPTION)
    if online:
        applicant = rng.choice(world.citizens)
        dossier = dossier_create(
            actor=applicant,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name=applicant.full_name,
            applicant_id_number=applicant.personal_id or "",
            applicant_email=applicant.email,
            fee_choice=demo_fee_choice(
                procedure, channel=Channel.ONLINE, applicant_id=applicant.personal_id or ""
            ),
            at=created,
        )
    else:
        person = rng.choice(world.people)
        channel = Channel.POSTAL if rng.random() < 0.05 else Channel.DIRECT
        dossier = dossier_create(
            actor=reception,
            procedure=procedure,
            agency=agency,
            channel=channel,
            applicant_name=person.full_name,
            applicant_id_number=person.personal_id,
            applicant_address=person.address,
            fee_choice=demo_fee_choice(procedure, channel=channel, applicant_id=person.personal_id),
            at=created,
        )
    story = _Story(world, dossier)
    try:
        _play(story, reception, online)
    except _Stop:
        pass
    except MotcuaError:  # a story that the rules refuse is a bug in the demo, not in the data
        raise


def _play(story: _Story, reception: User, online: bool) -> None:
    rng = story.world.rng
    owner = story.dossier.applicant
    if online:
        assert owner is not None
        story.act(owner, Action.SUBMIT, 0.1)
        demo_pay_online(story.dossier, at=story.at)
        roll = rng.random()
        if roll < 0.03:
            story.act(
                reception,
                Action.REFUSE,
                rng.uniform(1, 8),
                reason="Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
            )
            return
        if roll < 0.08:
            story.act(
                reception,
                Action.REQUEST_SUPPLEMENT,
                rng.uniform(1, 8),
                missing=["Bản sao giấy tờ tùy thân còn hiệu lực"],
            )
            if rng.random() < 0.15:
                return  # still waiting for the applicant
            story.act(owner, Action.PROVIDE_SUPPLEMENT, rng.uniform(4, 24))
        if rng.random() < 0.02:
            story.act(owner, Action.WITHDRAW, rng.uniform(1, 4), reason="Không còn nhu cầu.")
            return
    story.act(reception, Action.RECEIVE, rng.uniform(0.1, 6) if online else 0.2)
    duration = story.dossier.procedure.duration
    budget = duration.minutes / 60 if duration else 16.0
    # Most dossiers finish well inside their time limit; about one in ten runs late.
    pace = (
        rng.choice([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        if rng.random() > 0.1
        else rng.uniform(1.05, 1.6)
    )
    story.act(reception, Action.FORWARD, 0.5)
    roll = rng.random()
    if roll < 0.06:
        story.act(
            reception,
            Action.REQUEST_SUPPLEMENT,
            budget * 0.1,
            missing=["Giấy tờ chứng minh nơi cư trú"],
        )
        if rng.random() < 0.12:
            if rng.random() < 0.5:
                story.act(reception, Action.CANCEL, 80, reason="Quá hạn nộp bổ sung.")
            return
        if owner is not None and rng.random() < 0.7:
            story.act(owner, Action.PROVIDE_SUPPLEMENT, rng.uniform(8, 32))
        else:
            story.act(reception, Action.PROVIDE_SUPPLEMENT, rng.uniform(8, 32))
    elif roll < 0.10:
        story.act(
            story.step_actor(),
            Action.SUSPEND,
            budget * 0.2,
            kind=rng.choice(["financial", "other"]),
            reason="Chờ xác minh thông tin.",
        )
        story.act(story.step_actor(), Action.RESUME, rng.uniform(4, 24))
    elif roll < 0.13:
        target = (
            Agency.objects.exclude(pk=story.dossier.agency_id)
            .filter(level=Agency.Level.DEPARTMENT)
            .order_by("?")
            .first()
        )
        assert target is not None
        story.act(story.step_actor(), Action.TRANSFER, budget * 0.2, agency=target.code)
        story.act(
            story.world.one(story.dossier.agency, Role.SPECIALIST),
            Action.TRANSFER_BACK,
            rng.uniform(4, 24),
        )
    elif roll < 0.15 and owner is not None:
        story.act(owner, Action.WITHDRAW, budget * 0.2, reason="Không còn nhu cầu.")
        return
    steps = list(story.dossier.procedure.steps.all())
    for step in steps[:-1]:
        story.act(story.step_actor(), Action.FORWARD, budget * pace * step.share_percent / 100)
    last = steps[-1]
    if rng.random() < 0.02:
        story.act(
            story.step_actor(),
            Action.REFUSE,
            budget * pace * last.share_percent / 100,
            reason="Hồ sơ không đủ điều kiện theo quy định.",
        )
        return
    story.act(story.step_actor(), Action.APPROVE, budget * pace * last.share_percent / 100)
    if story.dossier.state == State.RESULT_READY and rng.random() < 0.9:
        story.act(
            reception,
            Action.RETURN,
            rng.uniform(1, 24),
            method=rng.choice(["in_person", "in_person", "post"]),
            receiver=story.dossier.applicant_name,
        )
