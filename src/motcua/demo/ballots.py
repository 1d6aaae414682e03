"""The demo's opinion ballots: drafts of the city's People's Committee put to its members —
`pheduyet` and the approvers of four departments — played through the ballot services at
moments before the demo's `now`: one draft, two open (one due within the reminder window,
reminded), one closed and adopted, one decided and issued, one decided and returned, and one
issued ballot in each of the eight months before, so that the counts per period have figures.
`lanhdao` sends them; `pheduyet` has the open ones to answer on /phieu-y-kien/.

Members answer only with a confirmed authenticator (`ballots.access.second_factor_held`). The
generated approvers who answer here are enrolled with `DEMO_TOTP_SECRET` (docs/howto/
ballots.md), so they can still sign in; `pheduyet`, `lanhdao` and `quantri` enrol at their
first sign-in as before.

Called once at the end of `demo.services.demo_load`; deterministic for a `now`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.ballots.models import Ballot
from motcua.ballots.services import (
    ballot_answer,
    ballot_close,
    ballot_create,
    ballot_decide,
    ballot_remind,
    ballot_send,
)
from motcua.directory.models import Agency, Role, StaffRole, User
from motcua.portal.models import SecondFactor

CITY_CODE = "000.00.00.H46"
DEMO_TOTP_SECRET = "MOTCUADEMOBALLOTSMEMBERSKEY2345"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (number, title, days ago sent, days from sending to the deadline, answers of the four
# generated members — "a" agree, "d" disagree, "c" comment, "-" none —, what follows:
# "draft", "open", "closed", "issued", "returned").
BALLOTS: list[tuple[str, str, int, float, str, str]] = [
    (
        "31/PLYK-UBND",
        "Dự thảo quyết định ban hành quy chế làm việc của UBND thành phố",
        0,
        5,
        "----",
        "draft",
    ),
    (
        "30/PLYK-UBND",
        "Dự thảo quyết định quy định giá dịch vụ trông giữ xe trên địa bàn thành phố",
        1,
        3,
        "ac--",
        "open",
    ),
    (
        "29/PLYK-UBND",
        "Dự thảo quyết định phê duyệt danh mục thủ tục hành chính thực hiện toàn trình",
        2,
        2.25,
        "a---",
        "open",
    ),
    (
        "28/PLYK-UBND",
        "Dự thảo quyết định công bố chỉ số cải cách hành chính năm trước",
        10,
        3,
        "aaac",
        "closed",
    ),
    (
        "27/PLYK-UBND",
        "Dự thảo quyết định ban hành kế hoạch chuyển đổi số năm nay",
        20,
        3,
        "aaad",
        "issued",
    ),
    (
        "26/PLYK-UBND",
        "Dự thảo quyết định điều chỉnh quy hoạch chi tiết khu dân cư Bàu Vá",
        25,
        3,
        "aa--",
        "returned",
    ),
]
MONTHLY_TITLES = [
    "Dự thảo quyết định phân cấp quản lý cây xanh đô thị",
    "Dự thảo quyết định quy định mức thu phí tham quan di tích",
    "Dự thảo quyết định ban hành quy chế phối hợp một cửa liên thông",
    "Dự thảo quyết định phê duyệt đề án số hóa hồ sơ hộ tịch",
    "Dự thảo quyết định quy định hạn mức giao đất ở",
    "Dự thảo quyết định ban hành bảng giá đất điều chỉnh",
    "Dự thảo quyết định về chính sách hỗ trợ hộ nghèo",
    "Dự thảo quyết định thành lập hội đồng thẩm định giá",
]
CHOICES = {"a": "agree", "d": "disagree", "c": "comment"}


def _draft() -> SimpleUploadedFile:
    return SimpleUploadedFile("du-thao-quyet-dinh.pdf", PDF, content_type="application/pdf")


def _members() -> list[User]:
    """`pheduyet` first, then the approvers of the first four departments (by code)."""
    chosen = list(User.objects.filter(username="pheduyet"))
    for agency in Agency.objects.filter(level=Agency.Level.DEPARTMENT).order_by("code"):
        role = (
            StaffRole.objects.filter(agency=agency, role=Role.APPROVER)
            .exclude(user__username="pheduyet")
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if role is not None and role.user not in chosen:
            chosen.append(role.user)
        if len(chosen) == 5:
            break
    return chosen


def _enrol(user: User, at: datetime) -> None:
    SecondFactor.objects.get_or_create(
        user=user, defaults={"secret": DEMO_TOTP_SECRET, "created_at": at, "confirmed_at": at}
    )


def _play(
    *,
    actor: User,
    city: Agency,
    members: list[User],
    now: datetime,
    number: str,
    title: str,
    sent: datetime,
    days: float,
    answers: str,
    outcome: str,
) -> Ballot:
    ballot = ballot_create(
        actor=actor,
        agency=city,
        number=number,
        title=title,
        summary=(
            f"{title}. Cơ quan soạn thảo đã lấy ý kiến các sở, ngành và hoàn thiện dự thảo; "
            "đề nghị các thành viên UBND cho ý kiến bằng phiếu điện tử."
        ),
        deadline=sent + timedelta(days=days),
        members=members,
        files=[_draft()],
        at=sent - timedelta(hours=2),
    )
    if outcome == "draft":
        return ballot
    ballot_send(actor=actor, ballot=ballot, at=sent)
    for offset, (member, mark) in enumerate(zip(members[1:], answers, strict=False)):
        if mark in CHOICES:
            ballot_answer(
                actor=member,
                ballot=ballot,
                choice=CHOICES[mark],
                comment="Đề nghị làm rõ phạm vi điều chỉnh tại Điều 2." if mark != "a" else "",
                at=min(sent + timedelta(hours=3 + 5 * offset), now - timedelta(minutes=30)),
            )
    if outcome == "open":
        return ballot
    closed_at = ballot.deadline + timedelta(hours=1)
    ballot_close(actor=actor, ballot=ballot, at=closed_at)
    if outcome == "closed":
        return ballot
    note = (
        "Đã ký ban hành quyết định theo kết quả lấy ý kiến."
        if outcome == "issued"
        else "Trả lại cơ quan soạn thảo để tiếp thu ý kiến, trình lại."
    )
    ballot_decide(
        actor=actor, ballot=ballot, decision=outcome, note=note, at=closed_at + timedelta(hours=20)
    )
    return ballot


def demo_ballots_load(*, now: datetime, actor: User) -> list[Ballot]:
    """The ballots (once: when the first exists, the ballots are returned as they are)."""
    if Ballot.objects.filter(number=BALLOTS[0][0]).exists():
        return list(Ballot.objects.order_by("number"))
    city = Agency.objects.get(code=CITY_CODE)
    members = _members()
    for member in members[1:]:
        _enrol(member, now - timedelta(days=300))
    plan = [
        (number, title, now - timedelta(days=ago), days, answers, outcome)
        for number, title, ago, days, answers, outcome in BALLOTS
    ]
    for month, title in enumerate(MONTHLY_TITLES, start=1):
        number = f"{25 - month}/PLYK-UBND"
        plan.append((number, title, now - timedelta(days=30 * month + 15), 3, "aaa-", "issued"))
    ballots = [
        _play(
            actor=actor,
            city=city,
            members=members,
            now=now,
            number=number,
            title=title,
            sent=sent,
            days=days,
            answers=answers,
            outcome=outcome,
        )
        for number, title, sent, days, answers, outcome in sorted(plan, key=lambda p: p[2])
    ]
    ballot_remind(within_hours=24, at=now)
    return ballots
