from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from motcua.core.apischema import errors
from motcua.core.errors import MotcuaError
from motcua.core.http import client_ip
from motcua.esign.verify import result_verify, verify_throttle

router = Router(tags=["Kết quả điện tử"])


class FileTooLarge(MotcuaError):
    code = "too_large"
    status = 413


class VerifyOut(Schema):
    valid: bool
    code: str
    message: str
    agency: str | None = None
    agency_code: str | None = None
    signer: str | None = None
    signed_at: datetime | None = None
    dossier_code: str | None = None
    procedure: str | None = None


@router.post(
    "/verify",
    response={200: VerifyOut, **errors(400, 413)},
    summary="Xác thực tệp PDF kết quả điện tử",
)
def verify(request: HttpRequest, file: UploadedFile = File(...)) -> VerifyOut:  # noqa: B008
    """Tải lên một tệp PDF (multipart/form-data, trường `file`, tối đa MOTCUA_MAX_UPLOAD_BYTES,
    mặc định 10 MB: lớn hơn là 413 `too_large`); cùng kết luận với trang xác thực công khai,
    không có dữ liệu cá nhân. Tối đa 20 lần kiểm tra mỗi địa chỉ trong 10 phút, chung với
    trang; quá thì 429 `rate_limited`. Thân yêu cầu không phải multipart hợp lệ (thiếu
    boundary, thiếu trường `file`): 400."""
    limit = settings.MOTCUA_MAX_UPLOAD_BYTES
    if file.size is not None and file.size > limit:
        raise FileTooLarge(
            _("Tệp vượt giới hạn %(limit)d MB.") % {"limit": limit // 1048576},
            fields={"file": "too_large"},
        )
    verify_throttle(client_ip(request))
    verdict = result_verify(file.read())
    record = verdict.record
    if record is None:
        return VerifyOut(valid=False, code=verdict.code, message=verdict.message)
    dossier = record.document.dossier
    return VerifyOut(
        valid=verdict.valid,
        code=verdict.code,
        message=verdict.message,
        agency=record.agency.name,
        agency_code=record.agency.code,
        signer=str(record.signer),
        signed_at=record.signed_at,
        dossier_code=dossier.public_code,
        procedure=dossier.procedure.name,
    )
