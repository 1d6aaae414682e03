"""The one rule for a file people upload (dossier papers, reform evidence, ballot attachments):
the type sniffed from the bytes — PDF, JPEG or PNG whatever the name says —, the size limit, no
file that is also an HTML page, no PDF with active content (`core.filescan`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.core.filescan import UnreadablePdf, html_marker, pdf_active_names
from motcua.core.models import StoredUpload

ALLOWED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def upload_check(upload: UploadedFile, *, field: str = "file") -> tuple[bytes, str]:
    """The bytes and the content type sniffed from them, or a `ValidationFailed` naming the
    file, its problem under `field`."""
    limit = settings.MOTCUA_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” dung lượng %(size).1f MB, vượt giới hạn %(limit)d MB.")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": limit // 1048576},
            fields={field: "too_large"},
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” vượt giới hạn %(limit)d MB.")
            % {"name": upload.name, "limit": limit // 1048576},
            fields={field: "too_large"},
        )
    if not data:
        raise ValidationFailed(
            _("Tệp “%(name)s” rỗng.") % {"name": upload.name}, fields={field: "empty"}
        )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationFailed(
            _(
                "Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (nội dung tệp được kiểm tra, "
                "không dựa vào tên tệp)."
            )
            % {"name": upload.name},
            fields={field: "type"},
        )
    if html_marker(data):
        raise ValidationFailed(
            _(
                "Tệp “%(name)s” có chứa mã trang web (HTML) nên không được nhận. Hãy nộp "
                "tệp PDF, JPEG hoặc PNG xuất trực tiếp từ máy quét hoặc phần mềm soạn thảo."
            )
            % {"name": upload.name},
            fields={field: "html"},
        )
    if kind.mime == "application/pdf":
        try:
            active = pdf_active_names(data)
        except UnreadablePdf:
            active = {"ObjStm"}
        if active:
            raise ValidationFailed(
                _(
                    "Tệp PDF “%(name)s” chứa nội dung tự chạy (JavaScript, hành động tự động, "
                    "tệp đính kèm hoặc biểu mẫu XFA) nên không được nhận. Hãy in tài liệu ra "
                    "PDF thông thường (chọn “In ra PDF”) hoặc quét thành ảnh rồi nộp lại."
                )
                % {"name": upload.name},
                fields={field: "active_content"},
            )
    return data, kind.mime


Kept = TypeVar("Kept", bound=StoredUpload)


@contextmanager
def files_deleted_on_failure() -> Iterator[list[StoredUpload]]:
    """Wrap a transaction that saves uploads (`uploads_save`): if it fails, the files it wrote
    are deleted, since the rolled-back rows leave nothing pointing at them."""
    saved: list[StoredUpload] = []
    try:
        yield saved
    except BaseException:
        for upload in saved:
            upload.file.delete(save=False)  # type: ignore[attr-defined]
        raise


def uploads_save(
    rows: Sequence[Kept],
    checked: Sequence[tuple[UploadedFile, bytes, str]],
    saved: list[StoredUpload],
    *,
    default_name: str,
) -> list[Kept]:
    """Fill each new row from its checked upload (`upload_check`'s bytes and type), write the
    file under a name from its hash and save the row."""
    for row, (upload, data, mime) in zip(rows, checked, strict=True):
        digest = hashlib.sha256(data).hexdigest()
        row.name = (upload.name or default_name)[:255]
        row.content_type, row.size, row.sha256 = mime, len(data), digest
        row.file.save(digest[:16], ContentFile(data), save=False)  # type: ignore[attr-defined]
        saved.append(row)
        row.save()
    return list(rows)
