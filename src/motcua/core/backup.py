"""`motcua backup FILE` and `motcua restore FILE` (domain.md §11, docs/howto/backup.md).

An archive is one tar file (gzip-compressed unless FILE ends in `.tar`):

    database/motcua.sqlite3 or database/motcua.pgdump   one consistent snapshot of the database
    files/<store>/<path>                               every file of each registered file store
    manifest.json                                      last: size and sha256 of every member,
                                                       the migrations, the row count of every
                                                       table, the vendor, the time, the version

The database is read before the files, on purpose: an upload is written to disk before the
row that names it commits, so every file the snapshot names is already on disk when the files
are read. A file written after the snapshot travels as an orphan, which `media_sweep` removes.

Neither command writes a row: a backup only reads (it may run against a standby), and a
restore leaves exactly the rows of the archive. They log one line each instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError

logger = logging.getLogger("motcua.backup")

FORMAT = "motcua-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# Rows a fresh `motcua migrate` writes itself (the divisions, the first index definition): a
# database holding only these is empty for `restore`.
SEEDED_MODELS = frozenset({"directory.Division", "index.IndexDefinition"})
# Our own scratch names, skipped by a backup that runs beside a restore or another backup.
SCRATCH = ".motcua-"


class BackupRefused(MotcuaError):
    code = "backup_refused"


# --- file stores ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileStore:
    """A folder or a single file the system needs besides the database. `replace`: a restore
    makes the folder exactly the archive's (uploads); otherwise it writes the archive's files
    over what is there and leaves the rest (the var folder also holds the database itself)."""

    name: str
    locate: Callable[[], Path | None]
    replace: bool = False


_STORES: dict[str, FileStore] = {}


def file_store(name: str, *, replace: bool = False) -> Callable:
    """Register where a capability keeps files (`esign` its keys, when its app loads)."""

    def register(locate: Callable[[], Path | None]) -> Callable[[], Path | None]:
        _STORES[name] = FileStore(name, locate, replace)
        return locate

    return register


@file_store("media", replace=True)
def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@file_store("var")
def _var_dir() -> Path:
    """Keys made on first start (`secret_key`, `sandbox_secret`) and whatever else the
    installation keeps there; the database, static files and other stores are skipped."""
    return Path(settings.VAR_DIR)


@file_store("sync-key")
def _sync_key() -> Path | None:
    value = getattr(settings, "MOTCUA_SYNC_KEY_FILE", "")
    return Path(value) if value else None


def stores_located() -> dict[str, Path]:
    found = {}
    for store in _STORES.values():
        path = store.locate()
        if path is not None:
            found[store.name] = Path(os.path.abspath(path))
    return found


def _database_files() -> set[Path]:
    files = set()
    for config in settings.DATABASES.values():
        if config.get("ENGINE") != "django.db.backends.sqlite3":
            continue
        for name in (config.get("NAME"), (config.get("TEST") or {}).get("NAME")):
            if name and str(name) != ":memory:":
                base = Path(os.path.abspath(name))
                files |= {base, *(Path(f"{base}{end}") for end in ("-wal", "-shm", "-journal"))}
    return files


def _skipped(path: Path, skip: set[Path]) -> bool:
    return path in skip or path.name.startswith(SCRATCH) or ".sqlite3" in path.name


def store_files(root: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """(path, name inside the store) of every regular file under `root`, in a stable order;
    symbolic links and anything in `skip` are left out."""
    if root.is_file() and not root.is_symlink():
        yield root, root.name
        return
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _skipped(here / d, skip))
        for name in sorted(files):
            path = here / name
            if _skipped(path, skip) or not stat.S_ISREG(path.lstat().st_mode):
                continue
            yield path, path.relative_to(root).as_posix()


def _skip_set(stores: dict[str, Path], *extra: Path) -> set[Path]:
    skip = set(stores.values()) | _database_files() | {Path(os.path.abspath(p)) for p in extra}
    skip.add(Path(os.path.abspath(settings.STATIC_ROOT)))
    if multiproc := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        skip.add(Path(os.path.abspath(multiproc)))
    return skip


def media_occupied() -> bool:
    root = Path(settings.MEDIA_ROOT)
    return root.is_dir() and next(store_files(root, set()), None) is not None


# --- the database -------------------------------------------------------------------------


@dataclass
class Snapshot:
    path: Path
    vendor: str
    migrations: list[list[str]]
    tables: dict[str, int]
    server_version: str = ""


def _alias_settings(alias: str = "default") -> dict[str, Any]:
    return connections[alias].settings_dict


def _sqlite_counts(db: sqlite3.Connection) -> tuple[list[list[str]], dict[str, int]]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    tables = {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    migrations = []
    if "django_migrations" in tables:
        migrations = [
            [app, name]
            for app, name in db.execute(
                "SELECT app, name FROM django_migrations ORDER BY app, name"
            )
        ]
    return migrations, tables


def _sqlite_snapshot(work: Path) -> Snapshot:
    """The online backup API: one read transaction, so the copy is one moment of the
    database, and in WAL mode the server and the worker go on writing meanwhile."""
    target = work / "motcua.sqlite3"
    source = sqlite3.connect(_alias_settings()["NAME"], timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        migrations, tables = _sqlite_counts(copy)
    finally:
        copy.close()
        source.close()
    return Snapshot(target, "sqlite", migrations, tables, sqlite3.sqlite_version)


def _pg_environment(config: dict[str, Any]) -> dict[str, str]:
    """Connection settings for pg_dump/psql in the environment, never on a command line that
    `ps` shows to every user of the machine."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    for option, value in (config.get("OPTIONS") or {}).items():
        if option in {"sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"}:
            env[f"PG{option.upper()}"] = str(value)
    return env


def _pg_tool(name: str) -> str:
    folder = os.environ.get("MOTCUA_PG_BINDIR", "")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupRefused(
            _(
                "Không tìm thấy chương trình %(tool)s của PostgreSQL: cài gói postgresql-client "
                "(cùng phiên bản với máy chủ) hoặc đặt MOTCUA_PG_BINDIR."
            )
            % {"tool": name},
            code="backup_tool_missing",
        )
    return path


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    with tempfile.TemporaryFile() as errors:
        code = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=errors).returncode
        if code:
            errors.seek(0)
            raise BackupRefused(
                _("%(what)s thất bại (mã %(code)s): %(detail)s")
                % {"what": what, "code": code, "detail": errors.read().decode(errors="replace")},
                code="backup_tool_failed",
            )


def _pg_snapshot(work: Path) -> Snapshot:
    """pg_dump inside the snapshot this transaction exports, so the counts and migrations
    in the manifest are those of the very rows the dump holds."""
    connection = connections["default"]
    target = work / "motcua.pgdump"
    tool = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server_version = cursor.fetchone()
        tables = {}
        for name in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            tables[name] = cursor.fetchone()[0]
        migrations = []
        if "django_migrations" in tables:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            migrations = [[app, name] for app, name in cursor.fetchall()]
        _run(
            [tool, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"],
            env=_pg_environment(connection.settings_dict),
            what="pg_dump",
        )
    return Snapshot(target, "postgresql", migrations, tables, server_version)


def database_snapshot(work: Path) -> Snapshot:
    connection = connections["default"]
    if connection.in_atomic_block:
        raise BackupRefused(_("Không sao lưu được bên trong một giao dịch đang mở."))
    if connection.vendor == "sqlite":
        return _sqlite_snapshot(work)
    if connection.vendor == "postgresql":
        return _pg_snapshot(work)
    raise BackupRefused(
        _("Chưa hỗ trợ sao lưu cơ sở dữ liệu %(vendor)s.") % {"vendor": connection.vendor}
    )


def database_rows() -> list[str]:
    """The domain tables of the configured database that hold rows (what a restore without
    --force refuses to overwrite); the rows migrations write themselves do not count."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        occupied = []
        for model in apps.get_models():
            if not model.__module__.startswith("motcua.") or model._meta.proxy:
                continue
            if model._meta.label in SEEDED_MODELS or model._meta.db_table not in existing:
                continue
            cursor.execute(
                f"SELECT 1 FROM {connection.ops.quote_name(model._meta.db_table)} LIMIT 1"
            )
            if cursor.fetchone():
                occupied.append(model._meta.db_table)
    return sorted(occupied)


def table_counts() -> dict[str, int]:
    connection = connections["default"]
    if connection.vendor == "sqlite":
        db = sqlite3.connect(_alias_settings()["NAME"], timeout=60)
        try:
            return _sqlite_counts(db)[1]
        finally:
            db.close()
    with connection.cursor() as cursor:
        counts = {}
        for name in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _sqlite_restore(source: Path) -> None:
    """The backup API in reverse: the pages are written inside one transaction of the target,
    so a reader sees the old database or the new one, never a file half copied."""
    connections["default"].close()
    archived = sqlite3.connect(source)
    target = sqlite3.connect(_alias_settings()["NAME"], timeout=60)
    try:
        archived.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        archived.close()


_PG_DROPS = """
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND (d.deptype = 'e'
                  OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
UNION ALL
SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE;', n.nspname, p.proname,
              pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def _pg_restore(source: Path) -> None:
    """pg_restore's script and the drops of what is there, in one psql transaction: if any
    statement fails, the database is as it was."""
    connection = connections["default"]
    restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    with connection.cursor() as cursor:
        cursor.execute(_PG_DROPS)
        drops = "\n".join(row[0] for row in cursor.fetchall())
    connection.close()
    env = _pg_environment(connection.settings_dict)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        reader = subprocess.Popen(
            [restore, "--no-owner", "--no-privileges", "--file=-", str(source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        writer = subprocess.Popen(
            [psql, "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
        )
        assert reader.stdout is not None and writer.stdin is not None
        try:
            writer.stdin.write(drops.encode() + b"\n")
            shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
        except BrokenPipeError:
            pass  # psql stopped at an error; its code and message follow
        finally:
            writer.stdin.close()
        failed = [
            (name, code, errors)
            for name, code, errors in (
                ("pg_restore", reader.wait(), restore_errors),
                ("psql", writer.wait(), psql_errors),
            )
            if code
        ]
        if failed:
            name, code, errors = failed[-1]
            errors.seek(0)
            raise BackupRefused(
                _(
                    "Khôi phục cơ sở dữ liệu thất bại, dữ liệu hiện có giữ nguyên "
                    "(%(tool)s, mã %(code)s): %(detail)s"
                )
                % {"tool": name, "code": code, "detail": errors.read().decode(errors="replace")},
                code="restore_failed",
            )


# --- the archive ---------------------------------------------------------------------------


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


def _mode(path: Path) -> str:
    return "w" if path.name.endswith(".tar") else "w:gz"


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
    skip = _skip_set(stores, path, partial)
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode=_mode(path), format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                members = []
                with tempfile.TemporaryDirectory(prefix=SCRATCH, dir=path.parent) as work:
                    snapshot = database_snapshot(Path(work))
                    members.append(_add(tar, snapshot.path, f"database/{snapshot.path.name}"))
                kinds = {}
                for name, root in stores.items():
                    if not root.exists() and not _STORES[name].replace:
                        continue
                    kinds[name] = "file" if root.is_file() else "dir"
                    count = 0
                    for file, inner in store_files(root, skip - {root}):
                        try:
                            member = _add(tar, file, f"files/{name}/{inner}")
                        except FileNotFoundError:
                            continue  # removed while we walked (media_sweep): not needed
                        members.append(member)
                        count += 1
                        summary.file_bytes += member["size"]
                    summary.stores[name] = count
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "motcua_version": _version(),
                    "database": {
                        "vendor": snapshot.vendor,
                        "server_version": snapshot.server_version,
                        "member": members[0]["name"],
                        "migrations": snapshot.migrations,
                        "tables": snapshot.tables,
                    },
                    "stores": kinds,
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
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


def _extract(
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


def _place(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a staged store into place. A replaced folder is swapped whole; otherwise each file
    is renamed over its old copy, so nothing is ever half written."""
    if staged.is_file() or not replace:
        pairs = (
            [(staged, target)]
            if staged.is_file()
            else [(file, target / inner) for file, inner in store_files(staged, set())]
        )
        for file, destination in pairs:
            destination.parent.mkdir(parents=True, exist_ok=True)
            temporary = destination.with_name(f"{SCRATCH}{secrets.token_hex(4)}")
            shutil.copy2(file, temporary)
            os.replace(temporary, destination)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f"{SCRATCH}new-{secrets.token_hex(4)}")
    shutil.copytree(staged, fresh)
    old = target.with_name(f"{SCRATCH}old-{secrets.token_hex(4)}")
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


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
            _("Bản sao lưu có tệp của %(stores)s nhưng cấu hình hiện tại không có nơi lưu chúng.")
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
        _extract(path, manifest, database, staging)
        if vendor == "sqlite":
            _sqlite_restore(database)
        else:
            _pg_restore(database)
        summary = RestoreSummary(created_at=manifest["created_at"], pending_migrations=pending)
        store_by_name = {store.name: store for store in _STORES.values()}
        for name, kind in manifest["stores"].items():
            staged = staging[name]
            if kind == "file":
                staged = next(staged.iterdir()) if staged.is_dir() else staged
            else:
                summary.files += sum(1 for _f in store_files(staged, set()))
            _place(staged, stores[name], replace=store_by_name[name].replace)
            if kind == "file":
                summary.files += 1
    connections["default"].close()
    counts = table_counts()
    expected = manifest["database"]["tables"]
    if differing := sorted(t for t, n in expected.items() if counts.get(t) != n):
        raise BackupRefused(
            _("Sau khi khôi phục, số dòng của %(tables)s khác bản sao lưu.")
            % {"tables": ", ".join(differing)},
            code="restore_mismatch",
        )
    summary.tables, summary.rows = len(expected), sum(expected.values())
    logger.info(
        "backup.restored",
        extra={"backup": {"files": summary.files, "rows": summary.rows, "forced": force}},
    )
    return summary
