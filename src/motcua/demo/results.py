"""Signed electronic results for the demo citizens.

The demo province is loaded before its PKI exists (`make demo` runs `load_demo`, then
`esign_demo_pki`), so the loaded dossiers cannot carry signatures. This step, run after the
PKI, plays a few recent dossiers of An and Bình through reception and the workflow, has the
first step's specialist make the result from the procedure's template and the approver sign
it, all through the services and at working moments before `now`, so that a visitor can
download a signed result as a citizen and check it on `/ket-qua/xac-thuc/`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.core.calendar import working_calendar
from motcua.core.worktime import WorkingCalendar
from motcua.demo.services import JUSTICE_CODE, demo_is_loaded, opening_before
from motcua.directory.models import Agency, Role, User
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_create
from motcua.esign.models import SignedResult
from motcua.esign.results import result_text_default
from motcua.esign.services import result_generate, result_sign_and_approve
from motcua.integration.registry import LocalRegistry, RegistryPerson
from motcua.payments.demo import demo_fee_choice, demo_pay_online

AN = "046085001234"
BINH = "046192005678"
POLICE_CODE = "000.00.21.H46"  # Công an thành phố: residence registration
THUAN_HOA_CODE = "000.50.01.H46"  # An's ward

# The documented accounts take the work wherever they hold the role, so that `chuyenvien`
# and `pheduyet` find these dossiers on their own pages.
PREFERRED: dict[str, str] = {
    Role.RECEPTION: "tiepnhan",
    Role.SPECIALIST: "chuyenvien",
    Role.APPROVER: "pheduyet",
}

# Working hours between the moves of a story: short enough that a story fits in one working
# day, so starting on an earlier day keeps it in the past.
SUBMIT, RECEIVE, FORWARD, GENERATE, SIGN, RETURN = 0.1, 0.5, 0.25, 1.0, 1.0, 1.0


@dataclass(frozen=True)
class Plan:
    applicant: str
    procedure: str
    agency: str
    days_ago: int
    returned: bool
    start: float  # working hours after the day's opening: applicants do not all queue at 7:30
    form: dict[str, str | int] = field(default_factory=dict)  # e-form answers


def _plans(today: date) -> list[Plan]:
    return [
        Plan(
            AN,
            "2.000488",
            JUSTICE_CODE,
            days_ago=6,
            returned=True,
            start=0.5,
            form={"purpose": "Bổ sung hồ sơ dự tuyển viên chức", "certificate_type": "1"},
        ),
        Plan(
            AN,
            "1.001193",
            THUAN_HOA_CODE,
            days_ago=4,
            returned=True,
            start=1.2,
            form={
                "applicant_relationship": "cha",
                "child_full_name": "Nguyễn Minh Khang",
                "child_birth_date": (today - timedelta(days=12)).isoformat(),
                "child_sex": "nam",
                "child_ethnicity": "Kinh",
                "child_nationality": "Việt Nam",
                "child_birth_place": "Bệnh viện Trung ương Huế, thành phố Huế",
                "mother_full_name": "Lê Thị Hoa",
                "father_full_name": "Nguyễn Văn An",
            },
        ),
        Plan(
            AN,
            "2.000720",
            THUAN_HOA_CODE,
            days_ago=2,
            returned=False,
            start=0.8,
            form={
                "applicant_ethnicity": "Kinh",
                "applicant_nationality": "Việt Nam",
                "applicant_contact_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
                "business_name": "Hộ kinh doanh Cà phê An Nhiên",
                "business_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
                "business_lines": "Dịch vụ phục vụ đồ uống (5630)",
                "capital": 150_000_000,
                "employees": 3,
            },
        ),
        Plan(
            BINH,
            "2.000488",
            JUSTICE_CODE,
            days_ago=3,
            returned=False,
            start=2.0,
            form={"purpose": "Xuất khẩu lao động", "certificate_type": "1"},
        ),
        Plan(
            BINH,
            "1.004222",
            POLICE_CODE,
            days_ago=5,
            returned=True,
            start=0.3,
            form={
                "new_address": "151 Bà Triệu, phường An Cựu, thành phố Huế",
                "request_content": "Đăng ký thường trú",
            },
        ),
    ]


@dataclass(frozen=True)
class Outcome:
    created: int
    skipped: str = ""  # why nothing was done, for the command's message


def demo_sign_results(*, now: datetime | None = None) -> Outcome:
    """Idempotent: does nothing when the demo is not loaded or already has a signed result.

    One transaction, so a failure (a missing certificate, say) leaves no half-played dossier
    behind and the next run starts again from scratch."""
    if not demo_is_loaded() or User.objects.filter(personal_id__in=[AN, BINH]).count() < 2:
        return Outcome(0, skipped="demo_not_loaded")
    if SignedResult.objects.exists():
        return Outcome(0, skipped="already_signed")
    now = now or timezone.now()
    plans = _plans(timezone.localdate(now))
    registry = LocalRegistry()
    with transaction.atomic():
        for plan in plans:
            person = registry.lookup(plan.applicant)
            assert person is not None, plan.applicant  # the registry holds every demo citizen
            _play(plan, person, now)
    return Outcome(len(plans))


def _staff(agency: Agency, role: str) -> User:
    holders = User.objects.filter(staff_roles__agency=agency, staff_roles__role=role)
    user = holders.filter(username=PREFERRED.get(role, "")).first() or (
        holders.order_by("username").first()
    )
    if user is None:
        raise LookupError(f"no {role} at {agency.code}")
    return user


def _moments(
    calendar: WorkingCalendar, now: datetime, days_ago: int, gaps: list[float]
) -> list[datetime]:
    """The story's moments from the opening of a working day at least `days_ago` days back;
    a story that would still run past `now` (an agency with short office hours) starts a
    working day earlier."""
    while True:
        moment = opening_before(calendar, now, days_ago)
        moments = [moment]
        for hours in gaps:
            moment = calendar.add(moment, timedelta(hours=hours))
            moments.append(moment)
        if moments[-1] <= now:
            return moments
        days_ago += 1


def _form(person: RegistryPerson, user: User, extra: dict[str, str | int]) -> dict[str, str | int]:
    return {
        "applicant_full_name": person.full_name,
        "applicant_birth_date": person.birth_date.isoformat(),
        "applicant_sex": person.sex,
        "applicant_personal_id": person.personal_id,
        "applicant_address": person.permanent_address,
        "applicant_phone": user.phone,
        "applicant_email": user.email,
        **extra,
    }


def _play(plan: Plan, person: RegistryPerson, now: datetime) -> None:
    procedure = Procedure.objects.prefetch_related("steps").get(code=plan.procedure)
    agency = Agency.objects.get(code=plan.agency)
    steps: list[WorkflowStep] = list(procedure.steps.order_by("position"))
    holders = [_staff(step.agency or agency, step.role) for step in steps]
    reception = _staff(agency, Role.RECEPTION)
    applicant = User.objects.get(personal_id=plan.applicant)

    gaps = [plan.start, SUBMIT, RECEIVE, FORWARD, GENERATE] + [FORWARD] * (len(steps) - 1) + [SIGN]
    if plan.returned:
        gaps.append(RETURN)
    moments = iter(_moments(working_calendar(agency.office_hours), now, plan.days_ago, gaps)[1:])

    dossier = dossier_create(
        actor=applicant,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=applicant.full_name,
        applicant_id_number=plan.applicant,
        applicant_address=person.permanent_address,
        applicant_email=applicant.email,
        applicant_phone=applicant.phone,
        form_data=_form(person, applicant, plan.form),
        fee_choice=demo_fee_choice(procedure, channel=Channel.ONLINE, applicant_id=plan.applicant),
        at=next(moments),
    )
    submitted = next(moments)
    dossier = dossier_transition(
        actor=applicant, dossier=dossier, action=Action.SUBMIT, at=submitted
    )
    demo_pay_online(dossier, at=submitted)
    dossier = dossier_transition(
        actor=reception, dossier=dossier, action=Action.RECEIVE, at=next(moments)
    )
    dossier = dossier_transition(
        actor=reception,
        dossier=dossier,
        action=Action.FORWARD,
        at=next(moments),
        payload={"assignee": holders[0]},
    )
    document = result_generate(
        actor=holders[0], dossier=dossier, text=result_text_default(dossier), at=next(moments)
    )
    for holder, successor in itertools.pairwise(holders):
        dossier = dossier_transition(
            actor=holder,
            dossier=dossier,
            action=Action.FORWARD,
            at=next(moments),
            payload={"assignee": successor},
        )
    result_sign_and_approve(actor=holders[-1], dossier=dossier, document=document, at=next(moments))
    if plan.returned:
        dossier_transition(
            actor=reception,
            dossier=dossier.pk,
            action=Action.RETURN,
            at=next(moments),
            payload={"method": "online", "receiver": applicant.full_name},
        )
