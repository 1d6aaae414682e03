"""`media_sweep`: files under the dossiers' folders that no document names any more (left by a
rolled-back upload, or by a signed file replacing its draft) are removed once old enough."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from motcua.core.models import AuditEvent
from motcua.dossiers.documents import document_attach
from motcua.dossiers.media import media_sweep
from motcua.dossiers.models import DossierDocument, State

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TWO_HOURS = 2 * 3600
OLD, NEW = PDF + b"% old\n", PDF + b"% new\n"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def upload(data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile("to-khai.pdf", data)


def age(path: Path, seconds: int) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def scene(walker, reception, tmp_path):
    """A kept scan, the file of an attachment whose transaction rolled back (two hours old),
    and one rolled back a moment ago (perhaps still being written)."""
    dossier = walker.dossier_in(State.RECEIVED)
    kept = document_attach(
        actor=reception, dossier=dossier, upload=upload(), kind=DossierDocument.Kind.SCAN
    )
    names = []
    for data in (OLD, NEW):
        with pytest.raises(RuntimeError), transaction.atomic():
            lost = document_attach(
                actor=reception,
                dossier=dossier,
                upload=upload(data),
                kind=DossierDocument.Kind.SCAN,
            )
            names.append(lost.file.name)
            raise RuntimeError("the request failed after the upload")
    old_orphan, new_orphan = names
    assert DossierDocument.objects.filter(file__in=names).count() == 0
    for name in (kept.file.name, old_orphan):
        age(tmp_path / name, TWO_HOURS)
    assert files(tmp_path) == {kept.file.name, old_orphan, new_orphan}
    return kept.file.name, old_orphan, new_orphan


def test_a_dry_run_lists_the_old_orphan_and_deletes_nothing(scene, tmp_path):
    kept, old_orphan, new_orphan = scene
    sweep = media_sweep(older_than=timedelta(hours=1), dry_run=True)
    assert (sweep.names, sweep.size, sweep.dry_run) == ([old_orphan], len(OLD), True)
    assert files(tmp_path) == {kept, old_orphan, new_orphan}


def test_the_sweep_deletes_only_old_unreferenced_files(scene, tmp_path):
    kept, old_orphan, new_orphan = scene
    sweep = media_sweep(older_than=timedelta(hours=1))
    assert (sweep.names, sweep.count) == ([old_orphan], 1)
    assert files(tmp_path) == {kept, new_orphan}
    # The young one goes once it is old enough.
    assert media_sweep(older_than=timedelta(0)).names == [new_orphan]
    assert files(tmp_path) == {kept}


def test_a_file_shared_by_a_reused_copy_is_kept(walker, reception, tmp_path):
    dossier = walker.dossier_in(State.RECEIVED)
    source = document_attach(
        actor=reception, dossier=dossier, upload=upload(), kind=DossierDocument.Kind.SCAN
    )
    later = walker.dossier_in(State.RECEIVED)
    DossierDocument.objects.create(
        dossier=later,
        kind=DossierDocument.Kind.SCAN,
        file=source.file.name,
        name=source.name,
        content_type=source.content_type,
        size=source.size,
        sha256=source.sha256,
        reused_from=source,
        created_at=source.created_at,
    )
    DossierDocument.objects.filter(pk=source.pk).delete()
    age(tmp_path / source.file.name, TWO_HOURS)
    assert media_sweep(older_than=timedelta(0)).names == []
    assert files(tmp_path) == {source.file.name}


def test_the_command_prints_the_count_and_audits_a_real_sweep(scene, tmp_path):
    kept, old_orphan, new_orphan = scene
    out = io.StringIO()
    call_command("media_sweep", "--dry-run", stdout=out)
    assert out.getvalue() == ("Sẽ xóa 1 tệp không còn hồ sơ nào tham chiếu (0.0 MB).\n")
    assert AuditEvent.objects.filter(action="media.sweep").count() == 0

    out = io.StringIO()
    call_command("media_sweep", "--older-than-hours", "1", "-v", "2", stdout=out)
    assert out.getvalue() == (
        f"{old_orphan}\nĐã xóa 1 tệp không còn hồ sơ nào tham chiếu (0.0 MB).\n"
    )
    assert files(tmp_path) == {kept, new_orphan}
    audit = AuditEvent.objects.get(action="media.sweep")
    assert audit.data == {"deleted": 1, "bytes": len(OLD), "older_than_hours": 1.0}


def test_nothing_to_sweep_without_a_dossiers_folder(tmp_path):
    assert media_sweep(older_than=timedelta(hours=1)).names == []
