"""The demo's consultation portal: two drafts of the city's People's Committee — one open, with
comments in every moderation state (held, published, published and answered, not published),
one closed after its deadline with its summary (each disposition present) —, the cost
parameters of three procedures and a simplification plan over them. Played through the
consultation services at moments before the demo's `now`, so the audit trail agrees.

Called once at the end of `demo.services.demo_load`; an existing draft is left as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.consultation.cost import catalog_fees
from motcua.consultation.models import Comment, Draft, SimplificationPlan
from motcua.consultation.services import (
    comment_answer,
    comment_moderate,
    comment_submit,
    cost_parameters_set,
    draft_close,
    draft_create,
    draft_publish,
    plan_create,
    plan_item_add,
)
from motcua.directory.models import Agency, User

CITY_CODE = "000.00.00.H46"
OPEN_TITLE = "Dự thảo Quyết định quy định quy trình nội bộ giải quyết thủ tục hộ tịch trực tuyến"
CLOSED_TITLE = "Dự thảo Quy chế phối hợp số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"
PLAN_TITLE = "Phương án đơn giản hóa thủ tục hành chính lĩnh vực hộ tịch, tư pháp"

OPEN_SECTIONS = [
    (
        "Điều 1. Phạm vi điều chỉnh",
        "Quyết định này quy định quy trình nội bộ giải quyết thủ tục đăng ký khai sinh, kết hôn "
        "trực tuyến toàn trình tại Ủy ban nhân dân các phường, xã.",
    ),
    (
        "Điều 2. Thời hạn giải quyết",
        "Hồ sơ nộp trực tuyến trước 15 giờ được giải quyết ngay trong ngày làm việc; sau 15 giờ "
        "được giải quyết trong ngày làm việc tiếp theo.",
    ),
    (
        "Điều 3. Trả kết quả",
        "Kết quả điện tử được gửi vào kho dữ liệu của công dân; bản giấy được trả tại bộ phận "
        "một cửa khi công dân có yêu cầu.",
    ),
]
CLOSED_SECTIONS = [
    (
        "Điều 1. Trách nhiệm số hóa",
        "Bộ phận một cửa số hóa thành phần hồ sơ khi tiếp nhận; cơ quan giải quyết số hóa kết "
        "quả trước khi trả.",
    ),
    (
        "Điều 2. Tái sử dụng dữ liệu",
        "Giấy tờ đã số hóa còn hiệu lực không yêu cầu công dân nộp lại.",
    ),
]

# (code, hours, hourly cost, other costs, frequency, subjects per year; after: hours, other)
COSTS = [
    ("1.001193", "4", 35_000, 50_000, "1", 9_000, "1", 0),
    ("1.000894", "6", 35_000, 80_000, "1", 3_500, "2", 20_000),
    ("2.000488", "8", 35_000, 120_000, "1", 12_000, "2,5", 30_000),
]
MEASURES = {
    "1.001193": "Liên thông khai sinh, thường trú, thẻ bảo hiểm y tế; không nộp bản sao giấy tờ",
    "1.000894": "Khai thác dữ liệu dân cư thay giấy xác nhận tình trạng hôn nhân",
    "2.000488": "Nộp và nhận phiếu lý lịch tư pháp trên VNeID",
}


def _at(now: datetime, days: int, hour: int = 9) -> datetime:
    local = timezone.localtime(now) - timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def demo_consultation_load(*, now: datetime, actor: User, citizens: Sequence[User]) -> Draft:
    city = Agency.objects.get(code=CITY_CODE)
    found = Draft.objects.filter(agency=city, title=OPEN_TITLE).first()
    if found is not None:
        return found
    today = timezone.localtime(now).date()
    first, second = citizens[0], citizens[1 % len(citizens)]

    # One closed after its deadline, every comment answered.
    closed = draft_create(actor=actor, agency=city, title=CLOSED_TITLE, sections=CLOSED_SECTIONS)
    draft_publish(actor=actor, draft=closed, deadline=today - timedelta(days=30), at=_at(now, 90))
    one, two = closed.sections.order_by("position")
    answers = [
        (
            one,
            first,
            "Đề nghị quy định rõ thời hạn số hóa kết quả.",
            Comment.Disposition.ACCEPTED,
            "Đã bổ sung: kết quả được số hóa trước khi trả, chậm nhất trong ngày.",
        ),
        (
            two,
            second,
            "Nên cho phép dùng lại giấy tờ của người thân trong hộ.",
            Comment.Disposition.PARTLY,
            "Tiếp thu với giấy tờ của người chưa thành niên do cha, mẹ làm thủ tục.",
        ),
        (
            two,
            None,
            "Bỏ hẳn bản giấy, chỉ dùng bản điện tử.",
            Comment.Disposition.NOT_ACCEPTED,
            "Luật Giao dịch điện tử vẫn cho người dân quyền nhận bản giấy.",
        ),
    ]
    for number, (section, author, text, disposition, answer) in enumerate(answers):
        comment = comment_submit(
            actor=author,
            section=section,
            text=text,
            name="Công ty TNHH Dịch vụ Hành chính Huế",
            contact="lienhe@dichvuhue.vn",
            at=_at(now, 80 - number),
        )
        if comment.state == Comment.State.PENDING:
            comment_moderate(actor=actor, comment=comment, approve=True, at=_at(now, 70))
        comment_answer(
            actor=actor, comment=comment, disposition=disposition, answer=answer, at=_at(now, 35)
        )
    draft_close(actor=actor, draft=closed, at=_at(now, 29))

    # One open: a comment in every state.
    draft = draft_create(
        actor=actor,
        agency=city,
        title=OPEN_TITLE,
        summary="Lấy ý kiến người dân, doanh nghiệp về quy trình giải quyết trực tuyến.",
        sections=OPEN_SECTIONS,
    )
    draft_publish(actor=actor, draft=draft, deadline=today + timedelta(days=20), at=_at(now, 10))
    scope, limit, result = draft.sections.order_by("position")
    answered = comment_submit(
        actor=first,
        section=limit,
        text="Đề nghị tính mốc 16 giờ thay vì 15 giờ để người đi làm kịp nộp.",
        at=_at(now, 8),
    )
    comment_answer(
        actor=actor,
        comment=answered,
        disposition=Comment.Disposition.PARTLY,
        answer="Giữ mốc 15 giờ với hồ sơ cần thẩm tra; hồ sơ không cần thẩm tra nhận đến 16 giờ.",
        at=_at(now, 6),
    )
    comment_submit(
        actor=second,
        section=result,
        text="Nên gửi tin nhắn khi kết quả đã vào kho dữ liệu.",
        at=_at(now, 7),
    )
    approved = comment_submit(
        actor=None,
        section=scope,
        text="Đề nghị áp dụng cả cho thủ tục đăng ký khai tử.",
        name="Trần Thị Mai",
        contact="0905123456",
        at=_at(now, 6),
    )
    comment_moderate(actor=actor, comment=approved, approve=True, at=_at(now, 5))
    refused = comment_submit(
        actor=None,
        section=scope,
        text="Quảng cáo dịch vụ làm giấy tờ nhanh, liên hệ 0900000000.",
        name="Dịch vụ nhanh",
        contact="0900000000",
        at=_at(now, 5),
    )
    comment_moderate(
        actor=actor,
        comment=refused,
        approve=False,
        reason="Nội dung quảng cáo, không góp ý cho dự thảo.",
        at=_at(now, 4),
    )
    comment_submit(
        actor=None,
        section=limit,
        text="Hồ sơ nộp ngày thứ Bảy được tính vào ngày làm việc nào?",
        name="Lê Văn Hùng",
        contact="hung.le@example.vn",
        at=_at(now, 2),
    )
    _plan(actor=actor, city=city, year=today.year)
    return draft


def _plan(*, actor: User, city: Agency, year: int) -> SimplificationPlan:
    plan = plan_create(actor=actor, agency=city, title=PLAN_TITLE, year=year)
    for code, hours, hourly, other, frequency, subjects, hours_after, other_after in COSTS:
        procedure = Procedure.objects.get(code=code)
        values = {
            "hours": hours,
            "hourly_cost": hourly,
            "other_costs": other,
            "frequency": frequency,
            "subjects": subjects,
        }
        cost_parameters_set(actor=actor, procedure=procedure, values=values)
        fees = catalog_fees(procedure)
        plan_item_add(
            actor=actor,
            plan=plan,
            procedure=procedure,
            measure=MEASURES[code],
            before={**values, "fees": fees},
            after={**values, "fees": fees, "hours": hours_after, "other_costs": other_after},
        )
    return plan
