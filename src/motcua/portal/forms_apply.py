"""Reading the application page's non-schema inputs: the agency, the files and the reuse
choices per required document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from motcua.catalog.models import RequiredDocument
from motcua.core.errors import ValidationFailed
from motcua.core.text import fold
from motcua.directory.models import Agency
from motcua.dossiers.documents import result_fits, upload_check
from motcua.dossiers.models import DossierDocument


def agency_guess(agencies: list[Agency], address: str) -> Agency | None:
    """The only agency, or the commune whose name is in the applicant's address."""
    if len(agencies) == 1:
        return agencies[0]
    folded = fold(address)
    matches = [
        a for a in agencies if folded and fold(a.name).removeprefix("ubnd ").strip() in folded
    ]
    return matches[0] if len(matches) == 1 else None


def agency_chosen(agencies: list[Agency], code: str) -> Agency | None:
    return next((a for a in agencies if a.code == code.strip()), None)


@dataclass
class Attachments:
    uploads: list[tuple[RequiredDocument, UploadedFile]]
    reuses: list[tuple[RequiredDocument, DossierDocument]]
    errors: dict[str, str]

    def covers(self) -> set[int]:
        return {d.pk for d, _ in self.uploads} | {d.pk for d, _ in self.reuses}


def reuse_chosen(
    documents: Iterable[RequiredDocument], post: Mapping[str, str], *, prefix: str = ""
) -> bool:
    """Whether the post picks a file of the data store for any of these documents (the
    choices `attachments_from` reads): the store need be read only then."""
    return any(str(post.get(f"dung_lai_{prefix}{d.pk}", "")).strip() for d in documents)


def attachments_from(
    documents: Iterable[RequiredDocument],
    files: MultiValueDict,
    post: Mapping[str, str],
    sources: Mapping[str, DossierDocument],
    *,
    prefix: str = "",
) -> Attachments:
    """Files and reuse choices keyed `tep_<id>` / `dung_lai_<id>`. Every file is sniffed and
    size-checked here, before anything is written, so a refused file leaves nothing behind."""
    result = Attachments(uploads=[], reuses=[], errors={})
    for document in documents:
        key = f"{prefix}{document.pk}"
        upload = files.get(f"tep_{key}")
        choice = str(post.get(f"dung_lai_{key}", "")).strip()
        if upload is not None:
            try:
                upload_check(upload)
            except ValidationFailed as error:
                result.errors[f"document_{document.pk}"] = error.message
                continue
            upload.seek(0)
            result.uploads.append((document, upload))
        elif choice and choice in sources:
            if not result_fits(document, sources[choice]):
                result.errors[f"document_{document.pk}"] = _(
                    "Kết quả đã chọn không phải loại giấy tờ này; hãy chọn kết quả phù hợp hoặc "
                    "tải tệp lên."
                )
                continue
            result.reuses.append((document, sources[choice]))
    return result
