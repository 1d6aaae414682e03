"""The database in an archive: one consistent snapshot out, the whole of it back in."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections, transaction
from django.utils.translation import gettext as _

from motcua.core.backup.stores import CHUNK, BackupRefused

# Rows a fresh `motcua migrate` writes itself (the divisions, the first index definition, the
# catalog's stamp), and rows database triggers keep from other tables (the index's online
# procedures by month and step windows: emptying the dossier table after the month table, as
# `flush` may, leaves rows of zero or less): a database holding only these is empty for
# `restore`, which replaces every table.
SEEDED_MODELS = frozenset(
    {
        "directory.Division",
        "index.IndexDefinition",
        "index.CatalogStamp",
        "index.OnlineProcedureMonth",
        "index.StepWindow",
    }
)


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
        archived.execute("SELECT count(*) FROM sqlite_master").fetchone()
        archived.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as error:
        raise _restore_failed("sqlite", str(error)) from error
    finally:
        target.close()
        archived.close()


def _restore_failed(tool: str, detail: str) -> BackupRefused:
    return BackupRefused(
        _("Khôi phục cơ sở dữ liệu thất bại, dữ liệu hiện có giữ nguyên (%(tool)s): %(detail)s")
        % {"tool": tool, "detail": detail.strip()},
        code="restore_failed",
    )


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
    """The drops of what is there and pg_restore's script in one psql transaction, committed
    only when pg_restore has produced all of its script and psql has run every statement of
    it; otherwise psql's session ends without COMMIT and the database is as it was."""
    connection = connections["default"]
    restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    with connection.cursor() as cursor:
        cursor.execute(_PG_DROPS)
        drops = [row[0] for row in cursor.fetchall()]
    connection.close()
    # A server still holding a table makes a drop wait a minute at most, then all stops.
    opening = "\n".join(["BEGIN;", "SET LOCAL lock_timeout = '60s';", *drops, ""])
    env = _pg_environment(connection.settings_dict)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        reader = subprocess.Popen(
            [restore, "--no-owner", "--no-privileges", "--file=-", str(source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        writer = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
        )
        assert reader.stdout is not None and writer.stdin is not None
        try:
            writer.stdin.write(opening.encode())
            shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
            reader.stdout.close()
            if reader.wait() == 0:
                writer.stdin.write(b"\nCOMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its code and message follow
        finally:
            reader.stdout.close()  # a pg_restore still writing gets SIGPIPE instead of hanging
            with contextlib.suppress(BrokenPipeError):
                writer.stdin.close()
        outcomes = [
            ("pg_restore", reader.wait(), restore_errors),
            ("psql", writer.wait(), psql_errors),
        ]
        for name, code, errors in reversed(outcomes):
            if code:
                errors.seek(0)
                detail = errors.read().decode(errors="replace")
                raise _restore_failed(
                    _("%(tool)s, mã %(code)s") % {"tool": name, "code": code}, detail
                )


def database_restore(source: Path) -> None:
    """Put the archived database `source` in place of the configured one."""
    if connections["default"].vendor == "sqlite":
        _sqlite_restore(source)
    else:
        _pg_restore(source)
