"""The demo's reform plan: a decision of the city's People's Committee with twenty tasks over
its departments and wards, played through the reform services at moments before the demo's
`now` — done on time, done late, overdue, due within the warning days and not yet due — so
that `lanhdao` meets every status, the early warnings and a ranking on /cai-cach/.

Called once at the end of `demo.services.demo_load`; deterministic for a `now`."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.reform.models import ReformPlan
from motcua.reform.services import plan_create, progress_record, task_add, task_complete

CITY_CODE = "000.00.00.H46"
PLAN_NUMBER = "112/KH-UBND"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (title, lead agency code, partner codes, expected product, state, days from `now` to the
# deadline): states "on_time", "late", "overdue", "soon", "later".
TASKS: list[tuple[str, str, tuple[str, ...], str, str, int]] = [
    (
        "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực hộ tịch",
        "000.00.11.H46",
        ("000.00.01.H46",),
        "Báo cáo rà soát, phương án đơn giản hóa",
        "on_time",
        -90,
    ),
    (
        "Công bố danh mục thủ tục hành chính thực hiện toàn trình trực tuyến",
        "000.00.10.H46",
        ("000.00.01.H46",),
        "Quyết định công bố danh mục",
        "on_time",
        -75,
    ),
    (
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
        "000.00.01.H46",
        ("000.00.11.H46", "000.00.12.H46"),
        "Kho dữ liệu số hóa",
        "on_time",
        -60,
    ),
    (
        "Tái cấu trúc quy trình cấp giấy phép xây dựng",
        "000.00.12.H46",
        (),
        "Quy trình nội bộ điện tử",
        "on_time",
        -45,
    ),
    (
        "Tập huấn kỹ năng tiếp nhận hồ sơ trực tuyến cho cán bộ cấp xã",
        "000.00.18.H46",
        ("000.50.01.H46", "000.50.02.H46"),
        "Báo cáo kết quả tập huấn",
        "on_time",
        -30,
    ),
    (
        "Triển khai thanh toán trực tuyến nghĩa vụ tài chính đất đai",
        "000.00.13.H46",
        ("000.00.14.H46",),
        "Hướng dẫn liên thông",
        "on_time",
        -20,
    ),
    (
        "Đánh giá mức độ hài lòng của người dân năm trước",
        "000.00.18.H46",
        (),
        "Báo cáo chỉ số hài lòng",
        "late",
        -70,
    ),
    (
        "Cắt giảm thời gian giải quyết thủ tục lĩnh vực y tế",
        "000.00.15.H46",
        (),
        "Phương án cắt giảm",
        "late",
        -50,
    ),
    (
        "Chuẩn hóa mẫu đơn, tờ khai điện tử lĩnh vực giáo dục",
        "000.00.16.H46",
        ("000.00.01.H46",),
        "Bộ biểu mẫu điện tử",
        "late",
        -25,
    ),
    (
        "Kết nối cơ sở dữ liệu đất đai với hệ thống một cửa",
        "000.00.13.H46",
        ("000.00.20.H46",),
        "Kết nối hoạt động",
        "overdue",
        -40,
    ),
    (
        "Ban hành quy chế phối hợp liên thông thủ tục đăng ký kinh doanh",
        "000.00.17.H46",
        ("000.00.14.H46",),
        "Quy chế phối hợp",
        "overdue",
        -15,
    ),
    (
        "Rà soát thủ tục lĩnh vực văn hóa, thể thao",
        "000.00.19.H46",
        (),
        "Báo cáo rà soát",
        "overdue",
        -8,
    ),
    (
        "Cập nhật quy trình nội bộ lĩnh vực an ninh trật tự",
        "000.00.21.H46",
        (),
        "Quy trình nội bộ",
        "overdue",
        -3,
    ),
    (
        "Thí điểm trả kết quả qua dịch vụ bưu chính công ích tại phường",
        "000.50.01.H46",
        ("000.00.01.H46",),
        "Báo cáo thí điểm",
        "soon",
        3,
    ),
    (
        "Niêm yết công khai thủ tục hành chính tại bộ phận một cửa phường",
        "000.50.02.H46",
        (),
        "Ảnh chụp, biên bản kiểm tra",
        "soon",
        7,
    ),
    (
        "Kiểm tra công tác cải cách hành chính tại các sở",
        "000.00.18.H46",
        ("000.00.10.H46",),
        "Kết luận kiểm tra",
        "soon",
        10,
    ),
    (
        "Xây dựng kho dữ liệu điện tử của tổ chức, cá nhân",
        "000.00.01.H46",
        ("000.00.20.H46",),
        "Kho dữ liệu vận hành",
        "later",
        45,
    ),
    (
        "Đơn giản hóa thủ tục lĩnh vực nông nghiệp",
        "000.00.13.H46",
        (),
        "Phương án đơn giản hóa",
        "later",
        60,
    ),
    (
        "Triển khai chữ ký số cho cán bộ cấp xã",
        "000.50.03.H46",
        ("000.00.20.H46",),
        "Chứng thư số cấp phát",
        "later",
        90,
    ),
    (
        "Tổng kết công tác cải cách hành chính năm",
        "000.00.18.H46",
        ("000.00.10.H46",),
        "Báo cáo tổng kết",
        "later",
        120,
    ),
]


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _at(day, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


def demo_reform_load(*, now: datetime, actor: User) -> ReformPlan:
    """The plan and its tasks (once: an existing plan is returned as it is)."""
    city = Agency.objects.get(code=CITY_CODE)
    found = ReformPlan.objects.filter(agency=city, number=PLAN_NUMBER).first()
    if found is not None:
        return found
    today = timezone.localtime(now).date()
    issued_on = today - timedelta(days=120)
    plan = plan_create(
        actor=actor,
        agency=city,
        number=PLAN_NUMBER,
        issued_on=issued_on,
        title=f"Kế hoạch cải cách hành chính năm {issued_on.year} của thành phố Huế",
        year=issued_on.year,
    )
    agencies = {a.code: a for a in Agency.objects.all()}
    for title, lead, partners, product, state, offset in TASKS:
        deadline = today + timedelta(days=offset)
        task = task_add(
            actor=actor,
            plan=plan,
            title=title,
            lead_agency=agencies[lead],
            partners=[agencies[code] for code in partners],
            deadline=deadline,
            product=product,
        )
        started = max(issued_on + timedelta(days=5), deadline - timedelta(days=40))
        progress_record(
            actor=actor,
            task=task,
            note="Đã xây dựng kế hoạch triển khai, phân công cán bộ thực hiện.",
            percent=30,
            at=_at(min(started, today - timedelta(days=2)), 9),
        )
        if state in ("on_time", "late"):
            done_on = (
                deadline - timedelta(days=2) if state == "on_time" else deadline + timedelta(days=6)
            )
            task_complete(
                actor=actor,
                task=task,
                note=f"Đã hoàn thành: {product.lower()}.",
                files=[_evidence("san-pham.pdf")],
                at=_at(min(done_on, today)),
            )
        elif state == "overdue":
            progress_record(
                actor=actor,
                task=task,
                note="Đang hoàn thiện, chờ ý kiến của cơ quan phối hợp.",
                percent=70,
                files=[_evidence("bao-cao-tien-do.pdf")],
                at=_at(today - timedelta(days=1), 10),
            )
    return plan
