"""`motcua restore FILE`: check the whole archive, refuse an occupied target, then put the
database and the files back and compare every table's row count with the manifest."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from motcua.core.backup.archive import archive_extract, archive_verify
from motcua.core.backup.database import database_restore, database_rows, table_counts
from motcua.core.backup.stores import (
    SCRATCH,
    BackupRefused,
    file_stores,
    media_occupied,
    store_files,
    store_place,
    stores_located,
)

logger = logging.getLogger("motcua.backup")


@dataclass
class RestoreSummary:
    rows: int = 0
    tables: int = 0
    files: int = 0
    created_at: str = ""
    pending_migrations: list[str] = field(default_factory=list)


def _migrations_check(manifest: dict[str, Any]) -> list[str]:
    """Refuse an archive whose schema this code does not know; the migrations still to run."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    archived = {(app, name) for app, name in manifest["database"]["migrations"]}
    if unknown := sorted(archived - known):
        raise BackupRefused(
            _(
                "Bản sao lưu do phiên bản motcua %(version)s tạo, có %(count)s bước chuyển đổi "
                "cơ sở dữ liệu mà phiên bản này không biết (ví dụ %(example)s): hãy cài phiên "
                "bản đó hoặc mới hơn rồi khôi phục."
            )
            % {
                "version": manifest.get("motcua_version", "?"),
                "count": len(unknown),
                "example": ".".join(unknown[0]),
            },
            code="restore_newer_schema",
        )
    return sorted(f"{app}.{name}" for app, name in known - archived)


def _target_refusal() -> str:
    reasons = []
    if occupied := database_rows():
        reasons.append(
            _("cơ sở dữ liệu đã có dữ liệu (%(tables)s)")
            % {"tables": ", ".join(occupied[:5]) + (", …" if len(occupied) > 5 else "")}
        )
    if media_occupied():
        reasons.append(
            _("thư mục tệp %(path)s không trống") % {"path": os.path.abspath(settings.MEDIA_ROOT)}
        )
    return "; ".join(reasons)


def restore_read(path: Path | str, *, force: bool = False) -> RestoreSummary:
    """Check the whole archive, refuse an occupied target without `force`, then put the
    database and the files back; the counts of every table are compared with the manifest."""
    path = Path(os.path.abspath(path))
    manifest = archive_verify(path)
    vendor = connections["default"].vendor
    archived_vendor = manifest["database"]["vendor"]
    if archived_vendor != vendor:
        raise BackupRefused(
            _(
                "Bản sao lưu là của cơ sở dữ liệu %(archived)s, không khôi phục được vào "
                "%(vendor)s: hãy khôi phục vào cùng loại cơ sở dữ liệu (DATABASE_URL)."
            )
            % {"archived": archived_vendor, "vendor": vendor},
            code="restore_cross_vendor",
        )
    pending = _migrations_check(manifest)
    if not force and (reason := _target_refusal()):
        raise BackupRefused(
            _("Không khôi phục vào nơi đã có dữ liệu: %(reason)s. Dùng --force để thay thế.")
            % {"reason": reason},
            code="restore_not_empty",
        )
    stores = stores_located()
    missing = sorted(set(manifest["stores"]) - set(stores))
    if missing:
        raise BackupRefused(
            _(
                "Bản sao lưu có tệp của %(stores)s nhưng cấu hình hiện tại không có nơi lưu "
                "chúng (ví dụ sync-key cần MOTCUA_SYNC_KEY_FILE); chưa khôi phục gì."
            )
            % {"stores": ", ".join(missing)},
            code="restore_store_missing",
        )
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=SCRATCH, dir=settings.VAR_DIR) as work_name:
        work = Path(work_name)
        staging = {}
        for name in manifest["stores"]:
            staging[name] = work / "files" / name
            staging[name].mkdir(parents=True)
        database = work / Path(manifest["database"]["member"]).name
        archive_extract(path, manifest, database, staging)
        database_restore(database)
        summary = RestoreSummary(created_at=manifest["created_at"], pending_migrations=pending)
        store_by_name = file_stores()
        for name, kind in manifest["stores"].items():
            staged = staging[name]
            if kind == "file":
                # A single file (the sync key) lands at the path configured here, whatever
                # its name was on the machine that made the archive.
                found = list(staged.iterdir())
                if not found:
                    continue
                staged = found[0]
            summary.files += sum(1 for _file in store_files(staged, set()))
            store_place(staged, stores[name], replace=store_by_name[name].replace)
    connections["default"].close()
    counts = table_counts()
    expected = manifest["database"]["tables"]
    if differing := sorted(t for t, n in expected.items() if counts.get(t) != n):
        raise BackupRefused(
            _(
                "Sau khi khôi phục, số dòng của %(tables)s khác bản sao lưu: hệ thống còn đang "
                "chạy và ghi vào cơ sở dữ liệu? Hãy dừng máy chủ và tiến trình nền rồi khôi "
                "phục lại với --force."
            )
            % {"tables": ", ".join(differing)},
            code="restore_mismatch",
        )
    summary.tables, summary.rows = len(expected), sum(expected.values())
    logger.info(
        "backup.restored",
        extra={"backup": {"files": summary.files, "rows": summary.rows, "forced": force}},
    )
    return summary
