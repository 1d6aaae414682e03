"""`motcua backup` and `motcua restore` (domain.md §11): every row and file comes back, an
occupied target is refused without --force, a damaged archive is refused before anything is
touched, and a backup taken while the system writes is one moment of it. The suite runs on
SQLite and on PostgreSQL (scripts/test.sh), and so does every test here."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection, connections

from motcua.core.backup import table_counts
from motcua.core.worktime import TZ
from motcua.directory.models import Role
from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff
from tests.walker import Walker

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


def local(moment: str) -> str:
    """The manifest's UTC moment as people read it: dd/mm/yyyy in Vietnam's time."""
    return datetime.fromisoformat(moment).astimezone(TZ).strftime("%d/%m/%Y %H:%M:%S")


def upload(note: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("to-khai.pdf", PDF + f"% {note}\n".encode())


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` but the database, by relative name."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".sqlite3" not in path.name
    }


def rows() -> dict[str, list[dict]]:
    """Rows that must come back byte for byte: the dossiers, their events and documents."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (Dossier, DossierEvent, DossierDocument)
    }


def empty_everything(var: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(var.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


@pytest.fixture
def var(tmp_path, settings):
    """The installation's folders: uploads, the keys made on first start, the demo CA."""
    root = tmp_path / "var"
    settings.VAR_DIR = root
    settings.MEDIA_ROOT = root / "media"
    settings.MOTCUA_ESIGN_DIR = root / "pki"
    (root / "pki" / "agencies").mkdir(parents=True)
    (root / "secret_key").write_text("k" * 60)
    (root / "audit_key.pem").write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (root / "pki" / "ca.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nCA\n")
    (root / "pki" / "agencies" / "000.00.11.H99.key.pem").write_bytes(b"agency key")
    os.chmod(root / "secret_key", 0o600)
    return root


@pytest.fixture
def scene(walker, reception, var):
    """Two agencies and two citizens: dossiers in several states, each with its own scans."""
    other_agency = AgencyFactory(code="000.00.21.H99", name="UBND phường thử nghiệm")
    other = Walker(
        citizen=CitizenFactory(
            username="046192005678", personal_id="046192005678", full_name="Trần Thị Bình"
        ),
        reception=staff(Role.RECEPTION, other_agency, username="tiepnhan_phuong"),
        specialist=staff(Role.SPECIALIST, other_agency, username="chuyenvien_phuong"),
        approver=staff(Role.APPROVER, other_agency, username="pheduyet_phuong"),
        procedure=ProcedureFactory(code="1.001612", agencies=[other_agency]),
        agency=other_agency,
    )
    dossiers = [
        walker.dossier_in(State.RECEIVED),
        walker.dossier_in(State.RETURNED),
        other.dossier_in(State.RECEIVED),
        other.dossier_in(State.SUPPLEMENT_REQUESTED),
    ]
    for number, (dossier, actor) in enumerate(
        zip(dossiers, [reception, reception, other.reception, other.reception], strict=True)
    ):
        document_attach(
            actor=actor,
            dossier=Dossier.objects.get(pk=dossier.pk),
            upload=upload(f"scan {number}"),
            kind=DossierDocument.Kind.SCAN,
        )
    return dossiers


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *extra, stdout=out)
    return out.getvalue()


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of the archive with each member's bytes passed through `change(name, data)`."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for info in old:
            handle = old.extractfile(info)
            data = change(info.name, handle.read() if handle else b"")
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return target


def test_a_round_trip_brings_back_every_row_and_file(scene, var, tmp_path):
    counts, before, files = table_counts(), rows(), tree(var)
    archive = tmp_path / "motcua.tar.gz"

    said = backup(archive)

    manifest = manifest_of(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["tables"] == counts
    assert ["dossiers", "0001_initial"] in manifest["database"]["migrations"]
    assert manifest["motcua_version"] == "0.1.0"
    assert set(manifest["stores"]) == {"media", "var", "esign-pki", "esign-keys"}
    names = {member["name"] for member in manifest["members"]}
    assert names == {manifest["database"]["member"]} | {
        "files/var/secret_key",
        "files/var/audit_key.pem",
        "files/esign-pki/ca.pem",
        "files/esign-keys/000.00.11.H99.key.pem",
    } | {f"files/{name}" for name in files if name.startswith("media/dossiers/")}
    scan = DossierDocument.objects.order_by("pk").first()
    assert scan is not None
    listed = {m["name"]: m for m in manifest["members"]}[f"files/media/{scan.file.name}"]
    assert listed["sha256"] == hashlib.sha256(PDF + b"% scan 0\n").hexdigest()
    assert said == (
        f"Đã sao lưu vào {archive}: cơ sở dữ liệu {connection.vendor} ({len(counts)} bảng, "
        f"{sum(counts.values())} dòng), 8 tệp (0.0 MB; media 4, var 2, esign-pki 1, "
        f"esign-keys 1); tệp sao lưu {archive.stat().st_size / 1048576:.1f} MB.\n"
    )
    assert archive.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    empty_everything(var)
    assert Dossier.objects.count() == 0 and tree(var) == {}

    said = restore(archive)

    assert table_counts() == counts
    assert rows() == before
    assert tree(var) == files
    assert (var / "secret_key").stat().st_mode & 0o777 == 0o600
    assert said.startswith(
        f"Đã khôi phục bản sao lưu lúc {local(manifest['created_at'])}: {len(counts)} bảng, "
        f"{sum(counts.values())} dòng, 8 tệp; số dòng mọi bảng khớp mục lục.\n"
    )
    if "audit_verify" in get_commands():
        call_command("audit_verify", stdout=io.StringIO())


def test_an_occupied_database_is_refused_without_force_and_replaced_with_it(
    scene, walker, var, tmp_path
):
    archive = tmp_path / "motcua.tar"
    backup(archive)
    counts, files = table_counts(), tree(var)
    later = walker.dossier_in(State.SUBMITTED)
    (var / "media" / "media-later.pdf").write_bytes(PDF)

    with pytest.raises(CommandError) as refused:
        restore(archive)

    assert str(refused.value) == (
        "Không khôi phục vào nơi đã có dữ liệu: cơ sở dữ liệu đã có dữ liệu (catalog_procedure, "
        "catalog_sector, catalog_workflowstep, core_outboxmessage, counters_monthlycounter, …); "
        f"thư mục tệp {var / 'media'} không trống. Dùng --force để thay thế."
    )
    assert Dossier.objects.filter(pk=later.pk).exists()
    assert (var / "media" / "media-later.pdf").exists()

    restore(archive, "--force")

    assert table_counts() == counts
    assert not Dossier.objects.filter(pk=later.pk).exists()
    assert tree(var) == files


def test_a_non_empty_media_folder_alone_is_refused(scene, var, tmp_path):
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    call_command("flush", interactive=False, verbosity=0)

    with pytest.raises(CommandError) as refused:
        restore(archive)

    assert str(refused.value) == (
        f"Không khôi phục vào nơi đã có dữ liệu: thư mục tệp {var / 'media'} không trống. "
        "Dùng --force để thay thế."
    )
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize("damage", ["a changed upload", "a truncated archive", "no manifest"])
def test_a_damaged_archive_is_refused_before_anything_is_touched(scene, var, tmp_path, damage):
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    scan = DossierDocument.objects.order_by("pk").first()
    assert scan is not None
    damaged = tmp_path / "damaged.tar.gz"
    if damage == "a changed upload":
        member = f"files/media/{scan.file.name}"
        rewritten(archive, damaged, lambda name, data: data + b"x" if name == member else data)
        reason = f"tổng kiểm tra sha256 của {member} không khớp"
    elif damage == "a truncated archive":
        damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        reason = "tệp bị cắt cụt"
    else:
        with tarfile.open(archive) as old, tarfile.open(damaged, "w:gz") as new:
            for info in old:
                if info.name != "manifest.json":
                    new.addfile(info, old.extractfile(info))
        reason = "không có mục lục manifest.json"
    empty_everything(var)
    (var / "secret_key").write_text("mine" * 20)

    with pytest.raises(CommandError) as refused:
        restore(damaged, "--force")

    assert str(refused.value) == (
        f"Tệp sao lưu {damaged} bị hỏng hoặc không phải bản sao lưu của motcua ({reason}); "
        "không khôi phục gì."
    )
    assert Dossier.objects.count() == 0
    assert tree(var) == {"secret_key": hashlib.sha256(b"mine" * 20).hexdigest()}


def test_a_database_that_does_not_load_leaves_the_target_as_it_was(scene, walker, var, tmp_path):
    """The checksums match (the archive was made that way), but the database inside is not
    one: the restore stops in the database's own transaction, even with --force."""
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    database = manifest_of(archive)["database"]["member"]
    garbage = b"not a database " * 4096

    def unloadable(name: str, data: bytes) -> bytes:
        if name == database:
            return garbage
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        for member in manifest["members"]:
            if member["name"] == database:
                member["size"], member["sha256"] = len(garbage), hashlib.sha256(garbage).hexdigest()
        return json.dumps(manifest).encode()

    broken = rewritten(archive, tmp_path / "broken.tar.gz", unloadable)
    later = walker.dossier_in(State.SUBMITTED)
    counts, before = table_counts(), rows()

    with pytest.raises(CommandError) as refused:
        restore(broken, "--force")

    tool = "sqlite" if connection.vendor == "sqlite" else "pg_restore, mã 1"
    assert str(refused.value).startswith(
        f"Khôi phục cơ sở dữ liệu thất bại, dữ liệu hiện có giữ nguyên ({tool}): "
    )
    assert table_counts() == counts
    assert rows() == before
    assert Dossier.objects.filter(pk=later.pk).exists()


def test_an_archive_of_the_other_database_is_refused(scene, var, tmp_path):
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    def vendor_changed(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database"]["vendor"] = other
        return json.dumps(manifest).encode()

    foreign = rewritten(archive, tmp_path / "foreign.tar.gz", vendor_changed)
    empty_everything(var)

    with pytest.raises(CommandError) as refused:
        restore(foreign)

    assert str(refused.value) == (
        f"Bản sao lưu là của cơ sở dữ liệu {other}, không khôi phục được vào "
        f"{connection.vendor}: hãy khôi phục vào cùng loại cơ sở dữ liệu (DATABASE_URL)."
    )
    assert Dossier.objects.count() == 0


def test_an_archive_from_a_newer_schema_is_refused(scene, var, tmp_path):
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database"]["migrations"].append(["dossiers", "9999_from_the_future"])
        manifest["motcua_version"] = "9.0.0"
        return json.dumps(manifest).encode()

    future = rewritten(archive, tmp_path / "future.tar.gz", newer)
    empty_everything(var)

    with pytest.raises(CommandError) as refused:
        restore(future)

    assert str(refused.value) == (
        "Bản sao lưu do phiên bản motcua 9.0.0 tạo, có 1 bước chuyển đổi cơ sở dữ liệu mà "
        "phiên bản này không biết (ví dụ dossiers.9999_from_the_future): hãy cài phiên bản đó "
        "hoặc mới hơn rồi khôi phục."
    )


def test_the_sync_key_travels_and_lands_where_the_target_keeps_it(scene, var, tmp_path, settings):
    """A key file outside the var folder comes back to the path the restoring machine
    configures; static files (rebuilt by collectstatic) stay out of the archive."""
    settings.MOTCUA_SYNC_KEY_FILE = str(tmp_path / "keys" / "sync.pem")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "sync.pem").write_bytes(b"sync private key")
    settings.STATIC_ROOT = var / "static"
    (var / "static").mkdir()
    (var / "static" / "app.css").write_text("body {}")
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    names = {member["name"] for member in manifest_of(archive)["members"]}
    assert "files/sync-key/sync.pem" in names
    assert sorted(name for name in names if name.startswith("files/var/")) == [
        "files/var/audit_key.pem",
        "files/var/secret_key",
    ]
    empty_everything(var)

    settings.MOTCUA_SYNC_KEY_FILE = ""
    with pytest.raises(CommandError) as refused:
        restore(archive)
    assert str(refused.value) == (
        "Bản sao lưu có tệp của sync-key nhưng cấu hình hiện tại không có nơi lưu chúng "
        "(ví dụ sync-key cần MOTCUA_SYNC_KEY_FILE); chưa khôi phục gì."
    )
    assert Dossier.objects.count() == 0

    settings.MOTCUA_SYNC_KEY_FILE = str(tmp_path / "new-home" / "national.pem")
    restore(archive)
    assert (tmp_path / "new-home" / "national.pem").read_bytes() == b"sync private key"
    assert Dossier.objects.count() == 4


def test_a_backup_never_leaves_half_an_archive(scene, var, tmp_path):
    archive = tmp_path / "motcua.tar.gz"
    archive.write_bytes(b"yesterday's archive")

    with pytest.raises(CommandError) as refused:
        backup(tmp_path / "missing-folder" / "motcua.tar.gz")
    assert str(refused.value) == f"Thư mục {tmp_path / 'missing-folder'} không tồn tại."

    backup(archive)
    assert manifest_of(archive)["format"] == "motcua-backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["motcua.tar.gz", "var"]


def test_a_backup_taken_while_documents_are_attached_is_one_moment(scene, reception, var, tmp_path):
    """A writer attaches scans (a file, then its row and event) the whole time: the archive
    holds the rows of one moment — every dossier's version still matches its events — and the
    file of every document it names."""
    dossier = scene[0]
    offsets = {d.pk: d.version - d.events.count() for d in Dossier.objects.all()}
    attached: list[int] = []
    stop, failures = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set():
                document_attach(
                    actor=reception,
                    dossier=Dossier.objects.get(pk=dossier.pk),
                    upload=upload(f"concurrent {len(attached)}"),
                    kind=DossierDocument.Kind.SCAN,
                )
                attached.append(1)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 60
        while len(attached) < count and not failures and time.monotonic() < deadline:
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(3)
        archive = tmp_path / "motcua.tar.gz"
        backup(archive)
        wait_for(len(attached) + 3)
    finally:
        stop.set()
        thread.join()
    assert failures == []
    live = DossierDocument.objects.count()
    archived = manifest_of(archive)["database"]["tables"]["dossiers_dossierdocument"]
    assert 4 + 3 <= archived < live

    restore(archive, "--force")

    assert DossierDocument.objects.count() == archived
    assert {d.pk: d.version - d.events.count() for d in Dossier.objects.all()} == offsets
    for document in DossierDocument.objects.all():
        assert (var / "media" / document.file.name).read_bytes().startswith(PDF)


def _fresh_target(tmp_path: Path) -> tuple[dict[str, str], str]:
    """The environment of another installation (its own var folder and an empty database)."""
    env = {
        "PATH": os.environ["PATH"],
        "MOTCUA_DEMO": "1",
        "MOTCUA_VAR_DIR": str(tmp_path / "elsewhere"),
        "PYTHONPATH": str(ROOT),
    }
    if connection.vendor == "sqlite":
        return env, ""
    name = f"motcua_restore_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    config = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST']}:"
        f"{config['PORT']}/{name}"
    )
    return env, name


@pytest.mark.slow
def test_the_commands_restore_into_another_installation(scene, var, tmp_path):
    """As an operator would: `motcua migrate` on a new machine, `motcua restore FILE` there."""
    archive = tmp_path / "motcua.tar.gz"
    backup(archive)
    counts, files = table_counts(), tree(var)
    env, database = _fresh_target(tmp_path)
    motcua = str(ROOT / ".venv" / "bin" / "motcua")
    try:
        for command in (["migrate", "--noinput"], ["restore", str(archive)]):
            done = subprocess.run(
                [motcua, *command], env=env, cwd=tmp_path, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(
            f"Đã khôi phục bản sao lưu lúc {local(manifest_of(archive)['created_at'])}: "
            f"{len(counts)} bảng, {sum(counts.values())} dòng, 8 tệp"
        )
        restored = tree(tmp_path / "elsewhere")
        assert {name: restored.get(name) for name in files} == files
        again = subprocess.run(
            [motcua, "restore", str(archive)], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert again.returncode == 1
        assert (
            "Không khôi phục vào nơi đã có dữ liệu: cơ sở dữ liệu đã có dữ liệu (" in again.stderr
        )
        if "audit_verify" in get_commands():
            verified = subprocess.run(
                [motcua, "audit-verify"], env=env, cwd=tmp_path, capture_output=True, text=True
            )
            assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        if database:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {database}")
