"""Files of dossiers that no row references any more, and their removal.

A file is written to storage before the row that names it commits (`document_attach` saves it
inside the transaction): when the transaction rolls back, the file stays behind. Signing also
leaves one behind: the signed PDF replaces the draft's file on the same row. Storage is not
transactional, so instead of undoing writes one by one, `media_sweep` removes what no
`DossierDocument` names once it is old enough that no open transaction can still commit a
row naming it. Payments and e-signatures store no files of their own (a `SignedResult` points
at its `DossierDocument`), so the documents are the only references.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import Storage
from django.utils import timezone

from motcua.dossiers.models import DossierDocument

# `_document_path` puts every dossier's files under dossiers/<dossier id>/.
ROOT = "dossiers"
_BATCH = 500


@dataclass
class Sweep:
    """What a sweep found: the orphaned files (deleted unless it was a dry run)."""

    names: list[str] = field(default_factory=list)
    size: int = 0
    dry_run: bool = False

    @property
    def count(self) -> int:
        return len(self.names)


def _storage() -> Storage:
    return DossierDocument._meta.get_field("file").storage  # type: ignore[attr-defined]


def _files(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from _files(storage, f"{folder}/{sub}")


def _unreferenced(names: list[str]) -> list[str]:
    # A reused copy names its source's file, so one query over all rows covers both.
    referenced = set(DossierDocument.objects.filter(file__in=names).values_list("file", flat=True))
    return [name for name in names if name not in referenced]


def media_sweep(
    *, older_than: timedelta, dry_run: bool = False, now: datetime | None = None
) -> Sweep:
    """Delete (or, with `dry_run`, only list) the files under the dossiers' folders that no
    document references and that were last modified more than `older_than` ago."""
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    storage = _storage()
    cutoff = (now or timezone.now()) - older_than
    sweep = Sweep(dry_run=dry_run)
    batch: list[str] = []

    def flush() -> None:
        for name in _unreferenced(batch):
            sweep.size += storage.size(name)
            sweep.names.append(name)
            if not dry_run:
                storage.delete(name)
        batch.clear()

    for name in _files(storage, ROOT):
        if storage.get_modified_time(name) > cutoff:
            continue  # perhaps a row naming it has not committed yet
        batch.append(name)
        if len(batch) >= _BATCH:
            flush()
    flush()
    return sweep
