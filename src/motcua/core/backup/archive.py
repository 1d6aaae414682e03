"""The archive: a tar of the database snapshot and the stores' files, `manifest.json` last;
written beside its name and renamed into place, read back member by member."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from motcua.core.backup.database import database_snapshot
from motcua.core.backup.stores import (
    CHUNK,
    SCRATCH,
    BackupRefused,
    file_stores,
    skip_set,
    store_files,
    stores_located,
)

logger = logging.getLogger("motcua.backup")

FORMAT = "motcua-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class _Hashing(io.RawIOBase):
    """Reads through to `handle`, hashing what passes, so a file is read once."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


@dataclass
class BackupSummary:
    path: Path
    files: int = 0
    file_bytes: int = 0
    rows: int = 0
    tables: int = 0
    size: int = 0
    vendor: str = ""
    stores: dict[str, int] = field(default_factory=dict)


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        hashing = _Hashing(handle)
        tar.addfile(info, hashing)  # type: ignore[arg-type]
    return {"name": name, "size": hashing.size, "sha256": hashing.sha256.hexdigest()}


def _version() -> str:
    try:
        return version("motcua")
    except PackageNotFoundError:
        return "unknown"


def _tar_open(raw: IO[bytes], path: Path) -> tarfile.TarFile:
    """gzip level 6, as the gzip command: most uploads are PDFs and photos, already compressed,
    so level 9 would spend the night for a few bytes."""
    if path.name.endswith(".tar"):
        return tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)
    return tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6)


def _stores_add(
    tar: tarfile.TarFile, stores: dict[str, Path], skip: set[Path], summary: BackupSummary
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Every file of every store into `tar`; (store → "dir" | "file", the members)."""
    kinds, members = {}, []
    registered = file_stores()
    for name, root in stores.items():
        if not root.exists() and not registered[name].replace:
            continue
        kinds[name] = "file" if root.is_file() else "dir"
        summary.stores[name] = 0
        for file, inner in store_files(root, skip - {root}):
            try:
                member = _add(tar, file, f"files/{name}/{inner}")
            except FileNotFoundError:
                continue  # removed while we walked (media_sweep): nothing names it
            members.append(member)
            summary.stores[name] += 1
            summary.file_bytes += member["size"]
    return kinds, members


def _manifest_add(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def backup_write(path: Path | str) -> BackupSummary:
    """Write the archive to a hidden file beside `path`, then rename it into place: whoever
    finds `path` finds a complete archive."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise BackupRefused(_("%(path)s là một thư mục; hãy cho tên tệp sao lưu.") % {"path": path})
    if not path.parent.is_dir():
        raise BackupRefused(_("Thư mục %(path)s không tồn tại.") % {"path": path.parent})
    partial = path.with_name(f"{SCRATCH}backup-{secrets.token_hex(4)}-{path.name}")
    summary = BackupSummary(path)
    stores = stores_located()
    skip = skip_set(stores, path, partial)
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with _tar_open(raw, path) as tar:
                # The database first: see the package's docstring.
                with tempfile.TemporaryDirectory(prefix=SCRATCH, dir=path.parent) as work:
                    snapshot = database_snapshot(Path(work))
                    database = _add(tar, snapshot.path, f"database/{snapshot.path.name}")
                kinds, members = _stores_add(tar, stores, skip, summary)
                _manifest_add(
                    tar,
                    {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "motcua_version": _version(),
                        "database": {
                            "vendor": snapshot.vendor,
                            "server_version": snapshot.server_version,
                            "member": database["name"],
                            "migrations": snapshot.migrations,
                            "tables": snapshot.tables,
                        },
                        "stores": kinds,
                        "members": [database, *members],
                    },
                )
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
        _fsync_folder(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.files = sum(summary.stores.values())
    summary.tables = len(snapshot.tables)
    summary.rows = sum(snapshot.tables.values())
    summary.vendor = snapshot.vendor
    summary.size = path.stat().st_size
    logger.info(
        "backup.written",
        extra={"backup": {"files": summary.files, "rows": summary.rows, "bytes": summary.size}},
    )
    return summary


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable: a crash right after must not bring back no archive."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _corrupt(path: Path, reason: str) -> BackupRefused:
    return BackupRefused(
        _(
            "Tệp sao lưu %(path)s bị hỏng hoặc không phải bản sao lưu của motcua (%(reason)s); "
            "không khôi phục gì."
        )
        % {"path": path, "reason": reason},
        code="backup_corrupt",
    )


def _members(path: Path, visit: Callable[[tarfile.TarInfo, IO[bytes]], None]) -> None:
    """Call `visit` with each regular member and its contents; a damaged archive (truncated,
    not a tar, bad compressed data) becomes one refusal, however deep the read that meets it."""
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for info in tar:
                if info.isfile() and (handle := tar.extractfile(info)) is not None:
                    visit(info, handle)
    except FileNotFoundError as error:
        raise BackupRefused(
            _("Không tìm thấy tệp sao lưu %(path)s.") % {"path": path}, code="not_found"
        ) from error
    except tarfile.ReadError as error:
        raise _corrupt(path, _("không đọc được như một tệp tar")) from error
    except EOFError as error:
        raise _corrupt(path, _("tệp bị cắt cụt")) from error
    except (tarfile.TarError, zlib.error, OSError, ValueError) as error:
        raise _corrupt(path, str(error) or type(error).__name__) from error


def archive_verify(path: Path | str) -> dict[str, Any]:
    """Read the whole archive once and check every member against the manifest (the last
    member); the manifest, when all is well."""
    path = Path(path)
    seen: dict[str, tuple[int, str]] = {}
    manifest = None

    def visit(info: tarfile.TarInfo, handle: IO[bytes]) -> None:
        nonlocal manifest
        if info.name == MANIFEST:
            try:
                manifest = json.loads(handle.read())
            except ValueError as error:
                raise _corrupt(path, _("mục lục không đọc được")) from error
            return
        digest, size = hashlib.sha256(), 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        seen[info.name] = (size, digest.hexdigest())

    _members(path, visit)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, _("không có mục lục manifest.json"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _corrupt(
            path, _("định dạng %(v)s chưa được hỗ trợ") % {"v": manifest.get("format_version")}
        )
    listed = {m["name"]: (m["size"], m["sha256"]) for m in manifest.get("members", [])}
    for name, expected in listed.items():
        if name not in seen:
            raise _corrupt(path, _("thiếu %(name)s") % {"name": name})
        if seen[name] != expected:
            raise _corrupt(path, _("tổng kiểm tra sha256 của %(name)s không khớp") % {"name": name})
    if extra := sorted(set(seen) - set(listed)):
        raise _corrupt(path, _("có tệp lạ %(name)s") % {"name": extra[0]})
    if manifest["database"]["member"] not in listed:
        raise _corrupt(path, _("không có cơ sở dữ liệu"))
    return manifest


def archive_extract(
    path: Path, manifest: dict[str, Any], database: Path, staging: dict[str, Path]
) -> None:
    """Write the members out (the database to `database`, each store's files under its
    staging folder), checking each against the manifest again as it goes."""
    listed = {m["name"]: m for m in manifest["members"]}

    def visit(info: tarfile.TarInfo, handle: IO[bytes]) -> None:
        if info.name == MANIFEST:
            return
        if info.name == manifest["database"]["member"]:
            target = database
        else:
            _files, store, inner = [*info.name.split("/", 2), "", ""][:3]
            if store not in staging or not inner or ".." in Path(inner).parts:
                raise _corrupt(path, _("đường dẫn lạ %(name)s") % {"name": info.name})
            target = staging[store] / inner.lstrip("/")
        digest = hashlib.sha256()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            os.chmod(target, info.mode & 0o777 or 0o600)
            os.utime(target, (info.mtime, info.mtime))
        except OSError as error:
            raise BackupRefused(
                _("Không ghi được %(path)s (%(error)s); chưa khôi phục gì.")
                % {"path": target, "error": error.strerror or error},
                code="restore_write_failed",
            ) from error
        if digest.hexdigest() != listed.get(info.name, {}).get("sha256"):
            raise _corrupt(path, _("tệp sao lưu đã thay đổi trong khi khôi phục"))

    _members(path, visit)
