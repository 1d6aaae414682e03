"""Online submission end to end (domain.md §4, §6) against a plain-insert floor of the same rows.

    .venv/bin/python bench/submission.py                                   # SQLite, 2,000
    bash scripts/with-postgres.sh .venv/bin/python bench/submission.py     # PostgreSQL
    bash scripts/with-postgres.sh .venv/bin/python bench/submission.py --processes 2
    .venv/bin/python bench/submission.py --quick                           # `make bench`

With DATABASE_URL set the script uses that (fresh) database, else a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates, then builds a catalog of one agency and one procedure
with the demo's e-form of the judicial-record certificate (16 required fields; its paper
declaration, the one required document, is covered by the filled e-form, so no file is needed)
and three alternative fee rates; then N citizens. In the same run, one process:

- **service**: N submissions, each what the apply page's POST of the start form does once the
  page has read what it shows (`portal/views_apply.py`, `_save`): the answers parsed from the
  post (`answers_from_post`), the fee lines, required documents and agencies read as the page
  reads them (`procedure_with_catalog`), the agency and fee category picked, the start token
  looked up, then `dossier_apply_online(submit=True)` given the page's procedure (its catalog
  read) with the token claimed in its transaction — a new draft (`create`), the declaration
  saved (`form_save`, its audit row), the e-form's schema and the required documents checked,
  `submit` (counters, outbox, the delivery task), the draft written once at the end
  (`dossiers/lifecycle/unsaved.py`). Reported as submissions/s (wall) and CPU ms each (process
  time);
- **floor**: the same rows — the dossier, its three events, the start token, the audit row, the
  outbox rows and the counter upserts — written with one `executemany` per table in one
  transaction per submission, parameters built outside the timed part (read back from what the
  service wrote, with new keys);
- **page**: `--page N` more submissions POSTed through Django's test client to the start page
  (middleware, session, the page's own reads, the service, the redirect), signed in and the
  start token issued outside the timed part;
- **at once**: with `--processes N`, as many submissions again by N forked processes started
  together (each its share of new citizens, its own connection), then their floor likewise —
  what a server with N workers takes on this machine. On SQLite the writers take turns.

The ratio service/floor is printed; the queries of one submission are counted. Never run as a
timed test; results go to docs/performance.md ("Online submission") and
bench/results/submission.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

EFORM = ROOT / "src" / "motcua" / "demo" / "data" / "eforms" / "2.000488.json"
AGENCY = "000.00.11.H46"
PROCEDURE = "2.000488"
# The three alternative rates of the judicial-record fee (the demo catalog's).
FEES = [
    ("Phí cung cấp thông tin lý lịch tư pháp", 200_000, "Công dân không thuộc đối tượng giảm"),
    ("Phí cung cấp thông tin lý lịch tư pháp (sinh viên)", 100_000, "Sinh viên, người có công"),
    ("Miễn phí cung cấp thông tin lý lịch tư pháp", 0, "Trẻ em, người cao tuổi"),
]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--page", type=int, default=300, help="submissions through the page")
    parser.add_argument("--quick", action="store_true", help="300 submissions, 100 by page")
    parser.add_argument("--profile", type=int, default=0, help="print the top N of a cProfile")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="then as many submissions again, and their floor, by N processes at once "
        "(on SQLite the writers take turns)",
    )
    return parser.parse_args()


def setup_django() -> None:
    os.environ.setdefault("MOTCUA_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL"):
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-submission-bench-")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the catalog and the citizens ------------------------------------------------------------


class Catalog:
    def __init__(self, procedure: Any, agency: Any, fee_field: str, fee_pick: str):
        self.procedure, self.agency = procedure, agency
        self.fee_field, self.fee_pick = fee_field, fee_pick


def build_catalog() -> Catalog:
    from motcua.catalog.fee_forms import fee_form
    from motcua.catalog.models import FeeLine, Procedure, RequiredDocument, Sector, WorkflowStep
    from motcua.directory.models import Agency, Role
    from motcua.dossiers.models import Channel

    agency = Agency.objects.create(
        code=AGENCY, name="Sở Tư pháp thành phố Huế", level=Agency.Level.DEPARTMENT
    )
    sector = Sector.objects.create(name="Lý lịch tư pháp")
    procedure = Procedure.objects.create(
        code=PROCEDURE,
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        sector=sector,
        level=Procedure.Level.PROVINCE,
        time_limit="10 d",
        online=Procedure.Online.FULL,
        registry_connected=True,
        eform=json.loads(EFORM.read_text(encoding="utf-8")),
    )
    procedure.agencies.set([agency])
    RequiredDocument.objects.create(
        procedure=procedure, position=1, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"
    )
    RequiredDocument.objects.create(
        procedure=procedure, position=2, name="Văn bản ủy quyền", optional=True
    )
    for name, amount, condition in FEES:
        FeeLine.objects.create(
            procedure=procedure, name=name, amount=amount, group="doi_tuong", condition=condition
        )
    for position, (name, role, share) in enumerate(
        [("Thẩm định", Role.SPECIALIST, 70), ("Phê duyệt", Role.APPROVER, 30)], start=1
    ):
        WorkflowStep.objects.create(
            procedure=procedure, position=position, name=name, role=role, share_percent=share
        )
    question = fee_form(procedure, channel=Channel.ONLINE).questions[0]
    return Catalog(procedure, agency, question.name, question.options[0].condition)


def citizens_create(count: int, *, start: int = 0) -> list[Any]:
    """Citizens with valid personal IDs no registry knows (the form is typed in full)."""
    from motcua.directory.models import User

    users = [
        User(
            username=f"0460850{n:05d}",
            personal_id=f"0460850{n:05d}",
            full_name=f"Nguyễn Văn Thử {n}",
            email=f"cong.dan.{n}@example.vn",
            phone="0905123456",
            password="!",
        )
        for n in range(start, start + count)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    return list(User.objects.filter(personal_id__in=[u.personal_id for u in users]).order_by("pk"))


def form_post(catalog: Catalog, user: Any, n: int) -> dict[str, str]:
    """The start form as a browser posts it: the judicial-record declaration typed in full."""
    return {
        "co_quan": catalog.agency.code,
        "hanh_dong": "nop",
        "applicant_full_name": user.full_name,
        "applicant_birth_date": "12/04/1985",
        "applicant_sex": "nam",
        "applicant_ethnicity": "Kinh",
        "applicant_nationality": "Việt Nam",
        "applicant_personal_id": user.personal_id,
        "applicant_address": f"{n % 300 + 1} Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "applicant_phone": "0905123456",
        "applicant_email": user.email,
        "applicant_birth_place": "Huế",
        "father_full_name": "Nguyễn Văn Bảo",
        "mother_full_name": "Phan Thị Cẩm",
        "residence_history": "Từ 2003 đến nay: 20 Phan Đình Phùng, phường Thuận Hóa, Huế",
        "certificate_type": "1",
        "purpose": "Xin việc",
        "copies": "1",
        "delivery": "truc_tuyen",
        catalog.fee_field: catalog.fee_pick,
    }


# --- the service path ---------------------------------------------------------------------------


def submit_service(catalog: Catalog, user: Any, n: int) -> Any:
    """What `views_apply._save` does for a submitted start form, after the page's reads."""
    from motcua.catalog.eforms import eform_of
    from motcua.catalog.fee_forms import fee_form
    from motcua.dossiers.models import Channel
    from motcua.dossiers.selectors import procedure_with_catalog
    from motcua.dossiers.services import dossier_apply_online
    from motcua.portal.eforms import answers_from_post, applicant_particulars, form_fields
    from motcua.portal.forms_apply import agency_chosen
    from motcua.portal.views_apply import start_token_claim, start_token_claimed

    # The page's procedure: its fee lines, required documents and agencies read into it.
    procedure = procedure_with_catalog(catalog.procedure)
    post = form_post(catalog, user, n)
    fields = form_fields(eform_of(procedure))
    answers = answers_from_post(fields, post)
    agency = agency_chosen(list(procedure.agencies.all()), post["co_quan"])
    fee = fee_form(procedure, channel=Channel.ONLINE, data=post, required=True)
    assert agency is not None and not fee.errors()
    token = f"bench-{n:08d}-{user.pk}"
    # The page's double-click guard: has this token already made a dossier?
    assert start_token_claimed(user, token) is None

    def claim(dossier: Any) -> None:
        start_token_claim(token=token, user=user, dossier=dossier)

    return dossier_apply_online(
        actor=user,
        procedure=procedure,
        dossier=None,
        form_data=answers,
        agency=agency,
        applicant=applicant_particulars(fields, answers, user, None),
        registry_used=False,
        fee_choice=fee.choice(),
        files=[],
        submit=True,
        created=claim,
    )


def run_service(catalog: Catalog, users: list[Any], offset: int = 0) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for n, user in enumerate(users, start=offset):
        submit_service(catalog, user, n)
    return time.perf_counter() - wall, time.process_time() - cpu


def queries_of_one(catalog: Catalog, user: Any, n: int) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        submit_service(catalog, user, n)
    return [q["sql"] for q in captured.captured_queries]


# --- the floor: the same rows, plain inserts -------------------------------------------------


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


TASKS = "django_tasks_database_dbtaskresult"


class Floor:
    """The rows each timed submission wrote, read back and given new keys, to be written again
    with one `executemany` per table in one transaction per submission."""

    def __init__(self) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        # Negative keys: neither SQLite's AUTOINCREMENT nor PostgreSQL's sequence ever meets them.
        self.next_id = -1
        self.serial = 0
        with connection.cursor() as cursor:
            self.columns = {
                table: [
                    c.name
                    for c in connection.introspection.get_table_description(cursor, table)
                    if c.name != "id" or table in ("dossiers_dossier", TASKS)
                ]
                for table in (
                    "dossiers_dossier",
                    "dossiers_dossierevent",
                    "portal_starttoken",
                    "core_auditevent",
                    "core_outboxmessage",
                    TASKS,
                )
            }
        mark = "%s" if self.vendor == "postgresql" else "?"
        self.sql = {
            table: f'INSERT INTO "{table}" ({_names(columns)}) '
            f"VALUES ({', '.join(mark for _ in columns)})"
            for table, columns in self.columns.items()
        }

    def _rows(self, cursor: Any, table: str, where: str, ids: list[int]) -> list[dict[str, Any]]:
        columns = self.columns[table]
        marks = ", ".join("%s" for _ in ids)
        cursor.execute(
            f'SELECT {_names(columns)} FROM "{table}" WHERE {where} IN ({marks})',
            ids,
        )
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def _json(self, value: Any) -> Any:
        if self.vendor == "postgresql" and isinstance(value, (dict, list)):
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return value

    def prepare(self, dossier_ids: list[int]) -> list[list[tuple[str, list[tuple[Any, ...]]]]]:
        """Per submission: (insert statement, rows) per table, parameters ready."""
        import uuid

        from django.db import connection

        with connection.cursor() as cursor:
            dossiers = self._rows(cursor, "dossiers_dossier", '"id"', dossier_ids)
            events = self._rows(cursor, "dossiers_dossierevent", '"dossier_id"', dossier_ids)
            tokens = self._rows(cursor, "portal_starttoken", '"dossier_id"', dossier_ids)
            audits = self._rows(
                cursor, "core_auditevent", '"object_id"', [str(i) for i in dossier_ids]
            )
            outbox = self._outbox_rows(cursor, dossier_ids)
            cursor.execute(f'SELECT "id" FROM "{TASKS}" ORDER BY "enqueued_at" DESC LIMIT 1')
            task = self._rows(cursor, TASKS, '"id"', [cursor.fetchone()[0]])[0]
        by_dossier: dict[int, dict[str, list[dict[str, Any]]]] = {
            d["id"]: {"dossiers_dossier": [d]} for d in dossiers
        }
        for table, rows, key in (
            ("dossiers_dossierevent", events, "dossier_id"),
            ("portal_starttoken", tokens, "dossier_id"),
            ("core_auditevent", audits, "object_id"),
            ("core_outboxmessage", outbox, "_dossier"),
        ):
            for row in rows:
                owner = int(row.pop(key) if key == "_dossier" else row[key])
                by_dossier[owner].setdefault(table, []).append(row)
        prepared = []
        for old in dossier_ids:
            new = self.next_id
            self.next_id -= 1
            self.serial += 1
            tables = by_dossier[old]
            tables["dossiers_dossier"][0].update(id=new, reference=f"FL-{self.serial:012d}")
            for row in tables["dossiers_dossierevent"]:
                row["dossier_id"] = new
            for row in tables["portal_starttoken"]:
                row.update(dossier_id=new, token=f"floor-{self.serial:012d}")
            for row in tables["core_auditevent"]:
                row["object_id"] = str(new)
            tables[TASKS] = [{**task, "id": uuid.uuid4().hex}]
            prepared.append(
                [
                    (
                        self.sql[table],
                        [
                            tuple(self._json(row[c]) for c in self.columns[table])
                            for row in tables[table]
                        ],
                    )
                    for table in self.columns
                    if tables.get(table)
                ]
            )
        return prepared

    def _outbox_rows(self, cursor: Any, dossier_ids: list[int]) -> list[dict[str, Any]]:
        """The outbox rows naming these dossiers (in their JSON payload), each with its owner."""
        wanted = set(dossier_ids)
        cursor.execute('SELECT "id", "payload" FROM "core_outboxmessage"')
        owners: dict[int, int] = {}
        for pk, payload in cursor.fetchall():
            data = json.loads(payload) if isinstance(payload, str) else payload
            if data.get("dossier_id") in wanted:
                owners[pk] = data["dossier_id"]
        columns = self.columns["core_outboxmessage"]
        marks = ", ".join("%s" for _ in owners)
        cursor.execute(
            f'SELECT "id", {_names(columns)} FROM "core_outboxmessage" WHERE "id" IN ({marks})',
            list(owners),
        )
        return [
            {**dict(zip(columns, row[1:], strict=True)), "_dossier": owners[row[0]]}
            for row in cursor.fetchall()
        ]


def run_floor(prepared: list[list[tuple[str, list[tuple[Any, ...]]]]]) -> tuple[float, float]:
    from django.db import connection, transaction

    connection.ensure_connection()
    raw = connection.connection.cursor()
    wall, cpu = time.perf_counter(), time.process_time()
    for statements in prepared:
        with transaction.atomic():
            for sql, rows in statements:
                raw.executemany(sql, rows)
    return time.perf_counter() - wall, time.process_time() - cpu


# --- the page: the start form POSTed through Django's test client ------------------------------


def run_page(catalog: Catalog, users: list[Any], offset: int) -> tuple[float, float]:
    from django.test import Client

    from motcua.portal.views_apply import START_TOKEN_FIELD, START_TOKENS

    url = f"/thu-tuc/{catalog.procedure.code}/nop/"
    wall = cpu = 0.0
    for n, user in enumerate(users, start=offset):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        token = f"page-{n:08d}"
        session = client.session
        session[START_TOKENS] = [token]
        session.save()
        post = {**form_post(catalog, user, n), START_TOKEN_FIELD: token}
        w, c = time.perf_counter(), time.process_time()
        response = client.post(url, post)
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
        assert response.status_code == 302 and response["Location"].endswith("/da-nop/"), (
            response.status_code,
            response.content[:2000],
        )
    return wall, cpu


CHUNK = 100


def run_parallel(work: Callable[[int], object], processes: int) -> float:
    """`work(i)` for each i below `processes`, in as many forked processes started together;
    the wall time from the first start to the last end (each child reads `perf_counter`,
    the machine's monotonic clock, so their readings compare)."""
    from django.db import connections

    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()

    def child(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        span = None  # a child that fails says so at once, not at the parent's timeout
        try:
            work(i)
            span = (started, time.perf_counter())
        finally:
            results.put(span)
            connections.close_all()

    children = [context.Process(target=child, args=(i,)) for i in range(processes)]
    for process in children:
        process.start()
    spans = [results.get(timeout=900) for _ in children]
    for process in children:
        process.join()
        assert process.exitcode == 0, process.exitcode
    assert all(spans), "a process failed"
    return max(end for _, end in spans) - min(start for start, _ in spans)


def run_concurrently(catalog: Catalog, users: list[Any], floor: Floor, processes: int) -> None:
    """The users' submissions by `processes` processes at once, each its own share, then the
    floor of the same rows likewise: what a server with as many workers can take."""
    share = -(-len(users) // processes)
    slices = [users[i * share : (i + 1) * share] for i in range(processes)]
    service = run_parallel(
        lambda i: run_service(catalog, slices[i], 40_000_000 + i * share), processes
    )
    prepared = floor.prepare(dossier_ids_of(users))
    floor_wall = run_parallel(lambda i: run_floor(prepared[i * share : (i + 1) * share]), processes)
    count = len(users)
    print(
        f"{processes} processes at once: service {count} in {service:.2f} s = "
        f"{count / service:.0f}/s; floor {count / floor_wall:.0f}/s; "
        f"service / floor {floor_wall / service:.2f} by wall time"
    )


def main() -> None:
    args = parse()
    if args.quick:
        args.submissions, args.page = 300, 100
    setup_django()
    from django.db import connection

    catalog = build_catalog()
    concurrent = args.submissions if args.processes > 1 else 0
    users = citizens_create(args.submissions + args.page + 22 + concurrent)
    users, together = users[: len(users) - concurrent], users[len(users) - concurrent :]
    timed, paged, spare = (
        users[: args.submissions],
        users[args.submissions : args.submissions + args.page],
        users[args.submissions + args.page :],
    )
    # Warm-up (imports, first compilations, the page's templates) outside the timed part.
    for n, user in enumerate(spare[:20]):
        submit_service(catalog, user, 10_000_000 + n)
    run_page(catalog, spare[20:21], 20_000_000)
    queries = queries_of_one(catalog, spare[-1], 10_000_100)
    print(f"database: {connection.vendor}; queries in one submission: {len(queries)}")
    for sql in queries:
        print("   ", sql[:150])

    # Service and floor in alternating chunks, so both meet the same noise of a shared machine.
    floor = Floor()
    service_wall = service_cpu = floor_wall = floor_cpu = 0.0
    # CPU time, not wall time: on a shared machine the wall clock mostly measures the others.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    for start in range(0, len(timed), CHUNK):
        chunk = timed[start : start + CHUNK]
        if profiler:
            profiler.enable()
        wall, cpu = run_service(catalog, chunk, start)
        if profiler:
            profiler.disable()
        service_wall, service_cpu = service_wall + wall, service_cpu + cpu
        made = list(
            dossier_ids_of(chunk)  # the dossiers this chunk submitted, in order
        )
        wall, cpu = run_floor(floor.prepare(made))
        floor_wall, floor_cpu = floor_wall + wall, floor_cpu + cpu
    count = len(timed)
    print(
        f"service: {count} submissions in {service_wall:.2f} s = {count / service_wall:.0f}/s, "
        f"CPU {service_cpu / count * 1000:.2f} ms each"
    )
    print(
        f"floor:   {count} submissions in {floor_wall:.2f} s = {count / floor_wall:.0f}/s, "
        f"CPU {floor_cpu / count * 1000:.2f} ms each"
    )
    print(
        f"service / floor: {floor_wall / service_wall:.2f} by wall time, "
        f"{floor_cpu / service_cpu:.2f} by CPU"
    )
    if paged:
        wall, cpu = run_page(catalog, paged, 30_000_000)
        print(
            f"page:    {len(paged)} POSTs in {wall:.2f} s = {len(paged) / wall:.0f}/s, "
            f"CPU {cpu / len(paged) * 1000:.2f} ms each"
        )
    if together:
        run_concurrently(catalog, together, floor, args.processes)
    check(catalog, len(timed) + len(paged) + len(spare) + len(together))
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.print_stats("motcua|jsonschema", args.profile)


def dossier_ids_of(users: list[Any]) -> list[int]:
    from motcua.dossiers.models import Dossier

    by_user = dict(Dossier.objects.filter(applicant__in=users).values_list("applicant_id", "pk"))
    return [by_user[u.pk] for u in users]


def check(catalog: Catalog, expected: int) -> None:
    """Every submission the service and the page made is submitted, with its three events."""
    from django.db.models import Count

    from motcua.dossiers.models import Dossier, State

    made = Dossier.objects.filter(procedure=catalog.procedure).exclude(reference__startswith="FL-")
    states = dict(made.values_list("state").annotate(n=Count("id")))
    events = set(made.annotate(n=Count("events")).values_list("n", flat=True))
    assert states == {State.SUBMITTED: expected}, states
    assert events == {3}, events
    print(f"check: {expected} dossiers submitted, 3 events each")


if __name__ == "__main__":
    main()
