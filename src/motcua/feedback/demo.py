"""Petitions for the demo province, played through the services at working moments before
the demo's `now`: answered on time and late, rejected, rated, and some still waiting — a few
at Sở Tư pháp overdue, due within a working day and on time, so that `tiepnhan` meets all
three marks on /mot-cua/phan-anh/ and the index's petition indicators are applicable.

Called by `demo.services.demo_load`; deterministic for a seed except for the random
references, like the dossiers'.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from motcua.core.calendar import working_calendar
from motcua.core.worktime import HOURS_PER_DAY, TZ, WorkingCalendar
from motcua.directory.models import Agency, Role, StaffRole, User
from motcua.dossiers.models import Dossier
from motcua.feedback.models import Kind, Petition
from motcua.feedback.selectors import DUE_SOON
from motcua.feedback.services import DUPLICATE_WINDOW as WINDOW
from motcua.feedback.services import (
    petition_answer,
    petition_due_at,
    petition_rate,
    petition_reject,
    petition_submit,
)

JUSTICE_CODE = "000.00.11.H46"
AN, BINH = "046085001234", "046192005678"
HANDLERS = (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)
PREFERRED = ("tiepnhan", "chuyenvien", "pheduyet")

# (kind, subject, content, answer)
TOPICS: list[tuple[str, str, str, str]] = [
    (
        Kind.REFLECTION,
        "Trả kết quả chậm so với giấy hẹn",
        "Hồ sơ của tôi hẹn trả kết quả nhưng đến ngày hẹn bộ phận một cửa chưa có kết quả và "
        "không có phiếu xin lỗi, hẹn lại.",
        "Cơ quan đã kiểm tra: hồ sơ chậm do chờ ý kiến liên thông. Cơ quan xin lỗi ông/bà, đã "
        "trả kết quả và chấn chỉnh việc gửi phiếu xin lỗi, hẹn lại ngày trả.",
    ),
    (
        Kind.REFLECTION,
        "Cán bộ một cửa yêu cầu nộp thêm giấy tờ không có trong thủ tục",
        "Khi nộp hồ sơ, cán bộ yêu cầu nộp thêm bản sao giấy tờ không có trong danh mục thành "
        "phần hồ sơ đã công bố.",
        "Cơ quan xác nhận giấy tờ đó không thuộc thành phần hồ sơ. Cơ quan đã nhắc nhở cán bộ "
        "và hướng dẫn lại quy trình tiếp nhận theo đúng thủ tục đã công bố.",
    ),
    (
        Kind.RECOMMENDATION,
        "Đề nghị kéo dài giờ tiếp nhận vào buổi trưa",
        "Người lao động khó sắp xếp thời gian trong giờ hành chính; đề nghị bố trí tiếp nhận hồ "
        "sơ vào buổi trưa một số ngày trong tuần.",
        "Cơ quan ghi nhận kiến nghị và sẽ thí điểm tiếp nhận hồ sơ vào buổi trưa thứ Tư hằng "
        "tuần từ tháng tới; thông tin được niêm yết tại bộ phận một cửa.",
    ),
    (
        Kind.RECOMMENDATION,
        "Đề nghị cho phép thanh toán lệ phí bằng mã QR tại quầy",
        "Đề nghị bộ phận một cửa nhận thanh toán phí, lệ phí bằng mã QR ngân hàng để người dân "
        "không phải mang tiền mặt.",
        "Cơ quan đã triển khai thanh toán bằng mã QR tại tất cả các quầy; ông/bà cũng có thể "
        "thanh toán trực tuyến khi nộp hồ sơ trên Cổng dịch vụ công.",
    ),
    (
        Kind.REFLECTION,
        "Biểu mẫu trên Cổng dịch vụ công không tải được",
        "Tệp mẫu tờ khai của thủ tục trên Cổng dịch vụ công báo lỗi khi tải về trên điện thoại.",
        "Cơ quan đã thay tệp mẫu tờ khai và kiểm tra tải được trên máy tính và điện thoại. "
        "Cảm ơn ông/bà đã phản ánh.",
    ),
    (
        Kind.RECOMMENDATION,
        "Đề nghị gửi tin nhắn khi hồ sơ cần bổ sung",
        "Đề nghị cơ quan gửi tin nhắn hoặc thư điện tử ngay khi hồ sơ cần bổ sung để người dân "
        "kịp chuẩn bị giấy tờ.",
        "Hệ thống đã gửi thông báo và thư điện tử khi hồ sơ cần bổ sung; ông/bà hãy cập nhật "
        "địa chỉ thư điện tử trong tài khoản để nhận thông báo.",
    ),
    (
        Kind.REFLECTION,
        "Khu vực chờ thiếu chỗ ngồi",
        "Buổi sáng khu vực chờ tại bộ phận một cửa rất đông, thiếu ghế ngồi cho người cao tuổi.",
        "Cơ quan đã bổ sung 20 ghế chờ và bố trí quầy ưu tiên cho người cao tuổi, phụ nữ mang "
        "thai và người khuyết tật.",
    ),
]
REJECT_REASON = (
    "Nội dung phản ánh về trật tự xây dựng trên địa bàn thuộc thẩm quyền của UBND phường nơi "
    "có công trình; đề nghị ông/bà gửi phản ánh tới UBND phường."
)


def _working_moment(calendar: WorkingCalendar, now: datetime, days_ago: float, hour: float):
    """A moment `hour` working hours into the last working day at least `days_ago` before."""
    day = (now - timedelta(days=days_ago)).astimezone(TZ).date()
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return calendar.add(calendar.periods_on(day)[0][0], timedelta(hours=hour))


def _officer(agency: Agency, rng: random.Random) -> User | None:
    officers = list(
        User.objects.filter(staff_roles__agency=agency, staff_roles__role__in=HANDLERS)
        .distinct()
        .order_by("username")
    )
    if not officers:
        return None
    # The documented accounts answer most, so that they find the replies on their pages.
    preferred = [u for u in officers if u.username in PREFERRED]
    return preferred[0] if preferred and rng.random() < 0.7 else rng.choice(officers)


def _own_dossier(citizen: User, agency: Agency, before: datetime) -> Dossier | None:
    return (
        Dossier.objects.filter(applicant=citizen, agency=agency, created_at__lt=before)
        .order_by("-created_at")
        .first()
    )


def _story(
    rng: random.Random,
    now: datetime,
    *,
    citizen: User,
    agency: Agency,
    received: datetime,
    outcome: str,
    topic: tuple[str, str, str, str],
) -> Petition | None:
    kind, subject, content, answer = topic
    officer = _officer(agency, rng)
    if officer is None:
        return None
    calendar = working_calendar(agency.office_hours)
    with transaction.atomic():
        same = Petition.objects.filter(citizen=citizen, subject=subject, content=content)
        if same.filter(created_at__range=(received - WINDOW, received + WINDOW)).exists():
            return None  # the same text from the same person minutes apart is a double submit
        petition = petition_submit(
            actor=citizen,
            agency=agency,
            dossier=_own_dossier(citizen, agency, received) if rng.random() < 0.4 else None,
            kind=kind,
            subject=subject,
            content=content,
            publish_consent=rng.random() < 0.6,
            at=received,
        )
        if outcome == "open":
            return petition
        if outcome == "on_time":
            replied = calendar.add(received, timedelta(hours=rng.uniform(4, 9 * HOURS_PER_DAY)))
        elif outcome == "late":
            replied = calendar.add(petition.due_at, timedelta(hours=rng.uniform(2, 40)))
        else:
            replied = calendar.add(received, timedelta(hours=rng.uniform(2, 16)))
        if replied >= now:
            return petition  # the story reaches the present: still waiting
        if outcome == "reject":
            return petition_reject(
                actor=officer, petition=petition, reason=REJECT_REASON, at=replied
            )
        # The demo's answers name nobody, so each consented one is published.
        petition = petition_answer(
            actor=officer,
            petition=petition,
            answer=answer,
            publish=petition.publish_consent,
            at=replied,
        )
        rated = calendar.add(replied, timedelta(hours=rng.uniform(1, 16)))
        if rng.random() < 0.65 and rated < now:
            rating = (
                "satisfied"
                if rng.random() < (0.85 if outcome == "on_time" else 0.3)
                else ("unsatisfied")
            )
            petition = petition_rate(actor=citizen, petition=petition, rating=rating, at=rated)
        return petition


def _marks(agency: Agency, now: datetime) -> list[datetime]:
    """Receipt moments whose deadlines are, seen from `now`: a few days past, within one
    working day, and well ahead — whatever weekday and hour the demo loads at."""
    calendar = working_calendar(agency.office_hours)
    receipts: list[datetime] = []
    day = now.astimezone(TZ).date()
    while len(receipts) < 40:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            receipts.append(calendar.periods_on(day)[0][0] + timedelta(hours=1))
    dues = [(received, petition_due_at(agency, received)) for received in receipts]
    overdue = [r for r, due in dues if due < now - timedelta(days=2)]
    soon = [r for r, due in dues if due > now and calendar.between(now, due) <= DUE_SOON]
    return [*overdue[:1], *soon[:1], receipts[1]]


def demo_petitions_load(*, now: datetime, seed: int = 2026, count: int = 36) -> int:
    """`count` petitions over the demo's six months plus the three at Sở Tư pháp for the
    queue's marks; returns how many were made."""
    rng = random.Random(seed + 1)
    agencies = list(
        Agency.objects.filter(
            level__in=[Agency.Level.DEPARTMENT, Agency.Level.COMMUNE],
            pk__in=StaffRole.objects.filter(role__in=HANDLERS).values("agency_id"),
            merged_into__isnull=True,  # a merged agency receives no petition (a reload)
        ).order_by("code")
    )
    citizens = list(User.objects.filter(personal_id__isnull=False).order_by("username")[:20])
    if not agencies or not citizens:
        return 0
    firsts = [c for c in citizens if c.username in (AN, BINH)] or citizens[:1]
    made = 0
    outcomes = ["on_time"] * 6 + ["late"] * 2 + ["reject", "open"]
    for index in range(count):
        agency = rng.choice(agencies)
        calendar = working_calendar(agency.office_hours)
        received = _working_moment(calendar, now, rng.uniform(3, 180), rng.uniform(0, 7.5))
        citizen = firsts[index % len(firsts)] if index % 3 == 0 else rng.choice(citizens)
        made += bool(
            _story(
                rng,
                now,
                citizen=citizen,
                agency=agency,
                received=received,
                outcome=rng.choice(outcomes),
                topic=rng.choice(TOPICS),
            )
        )
    justice = Agency.objects.filter(code=JUSTICE_CODE).first()
    if justice is not None:
        for received, topic in zip(
            _marks(justice, now), (TOPICS[0], TOPICS[2], TOPICS[6]), strict=False
        ):
            made += bool(
                _story(
                    rng,
                    now,
                    citizen=firsts[0],
                    agency=justice,
                    received=received,
                    outcome="open",
                    topic=topic,
                )
            )
    return made
