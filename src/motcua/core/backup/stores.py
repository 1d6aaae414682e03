"""Where the system keeps files besides the database, and how a restore puts them back.

Each capability registers its folders with `file_store` (core: the uploads, the var folder,
the sync key; `esign` its key folders, when its app loads), so this package imports none of
them."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from motcua.core.errors import MotcuaError

CHUNK = 1024 * 1024
# Our own scratch names, skipped by a backup that runs beside a restore or another backup.
SCRATCH = ".motcua-"


class BackupRefused(MotcuaError):
    code = "backup_refused"


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


def file_stores() -> dict[str, FileStore]:
    return dict(_STORES)


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


def skip_set(stores: dict[str, Path], *extra: Path) -> set[Path]:
    skip = set(stores.values()) | _database_files() | {Path(os.path.abspath(p)) for p in extra}
    skip.add(Path(os.path.abspath(settings.STATIC_ROOT)))
    if multiproc := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        skip.add(Path(os.path.abspath(multiproc)))
    return skip


def media_occupied() -> bool:
    root = Path(settings.MEDIA_ROOT)
    return root.is_dir() and next(store_files(root, set()), None) is not None


def _move(source: Path, target: Path) -> None:
    """Rename `source` to `target` (atomic on one file system); across file systems, copy
    beside `target` first and rename that, so `target` is never half written."""
    try:
        os.replace(source, target)
    except OSError:
        temporary = target.with_name(f"{SCRATCH}{secrets.token_hex(4)}")
        if source.is_dir():
            shutil.copytree(source, temporary)
        else:
            shutil.copy2(source, temporary)
        os.replace(temporary, target)


def store_place(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a staged store into place. A replaced folder is swapped whole (what was there is
    removed after); otherwise each file goes over its old copy and the rest stays."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if staged.is_file():
        _move(staged, target)
    elif not replace:
        for file, inner in list(store_files(staged, set())):
            (target / inner).parent.mkdir(parents=True, exist_ok=True)
            _move(file, target / inner)
    else:
        old = target.with_name(f"{SCRATCH}old-{secrets.token_hex(4)}")
        if target.exists():
            os.replace(target, old)
        _move(staged, target)
        shutil.rmtree(old, ignore_errors=True)
