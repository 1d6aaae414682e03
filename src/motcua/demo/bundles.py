"""The demo's bundles (liên thông, Nghị định 63/2024/NĐ-CP): birth registration with the
child's permanent residence and health-insurance card; death registration with the removal of
permanent residence and the funeral allowance. Applications are made through
`bundles.services.bundle_apply` and their children played through the lifecycle, so the demo
holds a bundle just submitted (its dependants waiting), one released and under way, one done,
and one whose first part was refused (its dependants withdrawn, or released, by the rule)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from motcua.bundles.models import Bundle, BundleApplication
from motcua.bundles.services import MemberSpec, bundle_apply, bundle_define, bundle_shape
from motcua.core.calendar import working_calendar
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, Role, StaffRole, User
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Dossier, State, WaitOnFailure

BIRTH = "khai-sinh-thuong-tru-bhyt"
DEATH = "khai-tu-xoa-thuong-tru-mai-tang"
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

BUNDLES: list[tuple[str, str, str, list[MemberSpec]]] = [
    (
        BIRTH,
        "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em "
        "dưới 6 tuổi",
        "Nộp một lần: khai sinh cho trẻ tại UBND cấp xã; khi có Giấy khai sinh, Công an đăng "
        "ký thường trú và Bảo hiểm xã hội cấp thẻ bảo hiểm y tế cho trẻ.",
        [
            MemberSpec("1.001193"),
            MemberSpec("1.004222", waits_for="1.001193", on_failure=WaitOnFailure.WITHDRAW),
            MemberSpec("1.013201", waits_for="1.001193", on_failure=WaitOnFailure.WITHDRAW),
        ],
    ),
    (
        DEATH,
        "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hỗ trợ chi phí mai táng",
        "Nộp một lần: khai tử tại UBND cấp xã; khi có Trích lục khai tử, Công an xóa đăng ký "
        "thường trú; hỗ trợ chi phí mai táng được xét cả khi chỉ có Giấy báo tử.",
        [
            MemberSpec("1.000656"),
            MemberSpec("1.004227", waits_for="1.000656", on_failure=WaitOnFailure.WITHDRAW),
            MemberSpec("1.013202", waits_for="1.000656", on_failure=WaitOnFailure.RELEASE),
        ],
    ),
]

_APPLICANT = {
    "applicant_full_name": "Nguyễn Văn An",
    "applicant_birth_date": "1985-04-12",
    "applicant_sex": "nam",
    "applicant_personal_id": "046085001234",
    "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "applicant_phone": "0905123456",
}
BIRTH_ANSWERS: dict[str, Any] = {
    **_APPLICANT,
    "applicant_relationship": "cha",
    "child_full_name": "Nguyễn Minh Khang",
    "child_birth_date": "2026-10-02",
    "child_birth_place": "Bệnh viện Trung ương Huế",
    "child_sex": "nam",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "mother_full_name": "Trần Thị Bình",
    "mother_birth_date": "1992-09-03",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "copies": 1,
    "household_head_full_name": "Nguyễn Văn An",
    "household_head_relationship": "chủ hộ",
    "household_head_personal_id": "046085001234",
    "new_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "residence_basis": "so_huu",
    "request_content": "Đăng ký thường trú cho con vào hộ của cha.",
    "care_facility": "Trạm y tế phường Thuận Hóa",
}
DEATH_ANSWERS: dict[str, Any] = {
    **_APPLICANT,
    "applicant_relationship": "con",
    "deceased_full_name": "Nguyễn Văn Hùng",
    "deceased_birth_date": "1955-03-08",
    "deceased_sex": "nam",
    "deceased_ethnicity": "Kinh",
    "deceased_nationality": "Việt Nam",
    "deceased_personal_id": "046055000118",
    "deceased_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "death_date": "2026-11-01",
    "death_place": "Bệnh viện Trung ương Huế",
    "death_cause": "Bệnh",
    "death_notice": "Giấy báo tử số 12/BV ngày 01/11/2026",
    "copies": 1,
    "request_content": "Xóa đăng ký thường trú do người đăng ký đã chết.",
}
THUAN_HOA = "000.50.01.H46"
# The demo's bundles are applied for by a registry citizen other than the two documented
# accounts, whose data stores other demos count.
DEMO_APPLICANT = {
    "applicant_full_name": "Trần Đức Vinh",
    "applicant_birth_date": "1984-01-27",
    "applicant_sex": "nam",
    "applicant_personal_id": "046084005001",
    "applicant_address": "18 Điện Biên Phủ, xã Phú Vang, thành phố Huế",
    "applicant_phone": "0935111222",
}


def demo_bundles_define() -> list[Bundle]:
    return [
        bundle_define(actor=None, code=code, name=name, description=text, members=members)
        for code, name, text, members in BUNDLES
    ]


def bundle_demo_apply(
    *, bundle: Bundle, applicant: User, answers: dict[str, Any], at: datetime
) -> BundleApplication:
    """One application with every document slot filled and the commune of Thuận Hóa (or the
    only agency) for each member: what the demo and the tests submit."""
    shape = bundle_shape(bundle)
    agencies = {
        m.pk: next((a for a in shape.agencies(m) if a.code == THUAN_HOA), shape.agencies(m)[0])
        for m in shape.members
    }
    uploads = {
        slot.key: SimpleUploadedFile(f"{slot.key}.pdf", _PDF, content_type="application/pdf")
        for slot in shape.documents
    }
    return bundle_apply(
        actor=applicant,
        bundle=bundle,
        answers=answers,
        agencies=agencies,
        uploads=uploads,
        applicant={"applicant_name": str(answers["applicant_full_name"])},
        registry_used=False,
        at=at,
    )


def _staff(agency_id: int, role: str) -> User:
    row = StaffRole.objects.filter(agency_id=agency_id, role=role).select_related("user")
    return row.order_by("user_id").first().user  # type: ignore[union-attr]


class _Clock:
    def __init__(self, at: datetime):
        self.at = at

    def next(self, agency: Agency, hours: float = 0.5) -> datetime:
        self.at = working_calendar(agency.office_hours).add(self.at, timedelta(hours=hours))
        return self.at


def bundle_demo_play(dossier: Dossier, target: str, clock: _Clock, **payload: Any) -> Dossier:
    """Play a child through reception and its steps to `target` (in_progress, result_ready,
    returned or refused), each action a working half-hour after the last."""
    agency = dossier.agency
    reception = _staff(agency.pk, Role.RECEPTION)

    def act(actor: User, action: str, **extra: Any) -> None:
        nonlocal dossier
        dossier = dossier_transition(
            actor=actor, dossier=dossier, action=action, at=clock.next(agency), payload=extra
        )

    if target == State.REFUSED:
        act(reception, Action.REFUSE, reason=payload.get("reason", "Hồ sơ không hợp lệ."))
        return dossier
    act(reception, Action.RECEIVE)
    act(reception, Action.FORWARD)
    if target == State.IN_PROGRESS:
        return dossier
    last = list(dossier.procedure.steps.all())[-1]
    while dossier.current_step is not None:
        step = dossier.current_step
        holder = _staff(step.agency_id or agency.pk, step.role)
        if step.position == last.position:
            act(holder, Action.APPROVE)
            break
        act(holder, Action.FORWARD)
    if target == State.RETURNED:
        act(reception, Action.RETURN, method="in_person", receiver=dossier.applicant_name)
    return dossier


def _opening(agency: Agency, now: datetime, days_ago: int) -> datetime:
    calendar = working_calendar(agency.office_hours)
    day = now.astimezone(TZ).date() - timedelta(days=days_ago)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return calendar.periods_on(day)[0][0]


def demo_bundles_load(*, now: datetime) -> list[BundleApplication]:
    """Both bundles, and six applications in the states above."""
    with transaction.atomic():
        birth, death = demo_bundles_define()
        if BundleApplication.objects.exists():
            return []  # loaded before: the demo's applications are there
        applicant = User.objects.get(username=DEMO_APPLICANT["applicant_personal_id"])
        commune = Agency.objects.get(code=THUAN_HOA)
        made = []
        stories: list[tuple[Bundle, dict[str, Any], int, list[str]]] = [
            (birth, BIRTH_ANSWERS, 1, []),
            (birth, BIRTH_ANSWERS, 10, [State.RETURNED, State.IN_PROGRESS, State.RETURNED]),
            (birth, BIRTH_ANSWERS, 20, [State.REFUSED]),
            (death, DEATH_ANSWERS, 2, [State.IN_PROGRESS]),
            (death, DEATH_ANSWERS, 15, [State.RETURNED, State.RETURNED, State.RETURNED]),
            (death, DEATH_ANSWERS, 25, [State.REFUSED, "", State.IN_PROGRESS]),
        ]
        for bundle, answers, days_ago, targets in stories:
            clock = _Clock(_opening(commune, now, days_ago))
            application = bundle_demo_apply(
                bundle=bundle,
                applicant=applicant,
                answers={**answers, **DEMO_APPLICANT},
                at=clock.at,
            )
            for part, target in zip(
                application.parts.order_by("member__position"), targets, strict=False
            ):
                if target:
                    bundle_demo_play(Dossier.objects.get(pk=part.dossier_id), target, clock)
            made.append(application)
    return made
