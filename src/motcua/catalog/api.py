from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_published, procedure_search_page
from motcua.core.apischema import errors
from motcua.core.errors import NotFound, ValidationFailed
from motcua.directory.models import Agency

router = Router(tags=["Thủ tục hành chính"])

MAX_OFFSET = 1_000_000
# As the portal's search box: no procedure's name is longer, and the address stays well
# within what the server takes in one request line.
MAX_QUERY = 200


class ProcedureItem(Schema):
    code: str
    name: str
    sector: str
    online: str
    time_limit: str | None


class ProcedureList(Schema):
    count: int
    items: list[ProcedureItem]


class SearchParams(Schema):
    # The ranges are checked in `list_procedures`, with Vietnamese messages; the schema states
    # them so that the document says what the code refuses.
    q: str = Field(
        "",
        description="Từ khóa, không phân biệt dấu; rỗng: mọi thủ tục.",
        json_schema_extra={"maxLength": MAX_QUERY},
    )
    limit: int = Field(
        20, description="Số kết quả tối đa.", json_schema_extra={"minimum": 1, "maximum": 200}
    )
    offset: int = Field(
        0,
        description="Bỏ qua bấy nhiêu kết quả đầu (phân trang).",
        json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET},
    )
    agency: str = Field(
        "",
        description="Mã cơ quan thực hiện, ví dụ 000.00.11.H46",
        json_schema_extra={"maxLength": 64},
    )


class DocumentOut(Schema):
    name: str
    optional: bool
    form: str


class FeeOut(Schema):
    name: str
    amount: int
    group: str = Field(
        "",
        description="Các dòng cùng nhóm là các mức thay thế nhau (chỉ áp dụng một mức, theo "
        "đối tượng); rỗng: khoản luôn được cộng.",
    )
    condition: str = Field("", description="Đối tượng, điều kiện áp dụng mức này.")
    channel: str = Field(
        "", description="online: chỉ khi nộp trực tuyến; direct: trực tiếp hoặc bưu chính."
    )


class AgencyOut(Schema):
    code: str
    name: str


class ProcedureDetail(ProcedureItem):
    level: str
    legal_basis: str
    accepts_online_payment: bool
    registry_connected: bool
    documents: list[DocumentOut]
    fees: list[FeeOut]
    agencies: list[AgencyOut]


def _item(procedure: Procedure) -> dict:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "sector": procedure.sector.name,
        "online": procedure.online,
        "time_limit": procedure.time_limit,
    }


@router.get("", response={200: ProcedureList, **errors(400, 404)}, summary="Tìm thủ tục hành chính")
def list_procedures(request: HttpRequest, params: Query[SearchParams]) -> dict:
    if not 1 <= params.limit <= 200:
        raise ValidationFailed("Tham số limit phải từ 1 đến 200.", fields={"limit": "out_of_range"})
    # Bounded so that no integer overflows the database's OFFSET; no catalog is that long.
    if not 0 <= params.offset <= MAX_OFFSET:
        raise ValidationFailed(
            _("Tham số offset phải từ 0 đến %(n)s.") % {"n": f"{MAX_OFFSET:,}".replace(",", ".")},
            fields={"offset": "out_of_range"},
        )
    if len(params.q) > MAX_QUERY:
        raise ValidationFailed(
            _("Từ khóa dài tối đa %(n)d ký tự.") % {"n": MAX_QUERY}, fields={"q": "too_long"}
        )
    agency = params.agency.strip()
    if len(params.agency) > 64:
        raise ValidationFailed(_("Mã cơ quan dài tối đa 64 ký tự."), fields={"agency": "too_long"})
    # A NUL cannot reach PostgreSQL (it would be a 500), and no code holds one. A code that
    # names no agency is not found (404); a 400 answers only the limits the document states.
    if agency and (not agency.isprintable() or not Agency.objects.filter(code=agency).exists()):
        raise NotFound(
            _("Không có cơ quan mã %(code)s.") % {"code": agency}
            if agency.isprintable()
            else _("Mã cơ quan không hợp lệ."),
            fields={"agency": "unknown"},
        )
    found = procedure_search_page(
        params.q, agency_code=agency, limit=params.limit, offset=params.offset
    )
    return {"count": found.count, "items": [_item(p) for p in found.items]}


@router.get(
    "/{code}", response={200: ProcedureDetail, **errors(404)}, summary="Chi tiết thủ tục hành chính"
)
def get_procedure(request: HttpRequest, code: str) -> dict:
    procedure = procedure_published(code)
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã {code}.")
    return {
        **_item(procedure),
        "level": procedure.level,
        "legal_basis": procedure.legal_basis,
        "accepts_online_payment": procedure.accepts_online_payment,
        "registry_connected": procedure.registry_connected,
        "documents": [
            {"name": d.name, "optional": d.optional, "form": d.form}
            for d in procedure.documents.all()
        ],
        "fees": [
            {
                "name": f.name,
                "amount": f.amount,
                "group": f.group,
                "condition": f.condition,
                "channel": f.channel,
            }
            for f in procedure.fees.all()
        ],
        "agencies": [{"code": a.code, "name": a.name} for a in procedure.agencies.all()],
    }
