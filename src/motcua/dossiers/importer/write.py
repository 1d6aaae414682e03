"""Writing a checked file, set-based: a handful of `INSERT … SELECT` and `UPDATE … FROM`
statements over the staging table, whatever the number of rows.

1. `resolve` (before the write transaction; for a file staged as it is, at its start, in
   `check.check_typed`): the staged text becomes typed rows in a second work table,
   `import_new`, with the catalog's ids, the derived fields (§6–§7: `closed_at`,
   `refused_stage`, `state_before_pause`, `paid_online_at`, `created_at`, `submitted_at`),
   the id of the dossier the row's code already names, if any, and, on PostgreSQL, the id
   the row's dossier gets if it is new (`ids_reserve`).
2. `Writer.write` (inside it): the rows whose dossier is already there are compared with it;
   those whose fields differ (everything but `paid_online_at`, which §9 does not carry) are
   listed with the names of the changed fields, locked, and compared again; the counters'
   delta is summed by `GROUP BY` (`counters.py`) from the new rows and from the changed rows
   before and after; changed dossiers are updated (version + 1) with an `import_update`
   event; new dossiers are inserted, then their `import` events, both straight from the
   typed table (on SQLite the events find their dossiers by code). An identical row is left
   alone.

A dossier field the import does not set is written with its model default, read from the
model, so a new field with a default needs nothing here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.directory.models import Agency
from motcua.dossiers.audit.chain import event_hash
from motcua.dossiers.importer.bulk import indexes_rebuilt, rebuild_worth_it
from motcua.dossiers.importer.counters import counters_add_grouped
from motcua.dossiers.importer.raw import REFERENCE, event_hash_sql
from motcua.dossiers.importer.records import COLUMNS
from motcua.dossiers.importer.rows import PAUSED_STATES
from motcua.dossiers.importer.sql import Dialect, insert_rows, listed
from motcua.dossiers.importer.stage import CHAINED, CHANGED, DUE_MOMENTS, NEW, Staging
from motcua.dossiers.metrics import ONLINE_LEVELS
from motcua.dossiers.models import TERMINAL_STATES, Channel, Dossier, DossierEvent, State

# The dossier fields an import writes, in the order an `import_update` event lists them.
FIELDS = (
    "procedure",
    "agency",
    "channel",
    "state",
    "state_before_pause",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "closed_at",
    "refused_stage",
    "supplement_count",
    "fee_amount",
    "paid_online",
    "paid_online_at",
    "digitized",
    "e_result",
    "result_to_store",
    "reused_data",
    "registry_used",
    "synced",
    "rating",
    "rated_at",
    "created_at",
    "submitted_at",
)
ATTNAMES = tuple(cast(Field, Dossier._meta.get_field(name)).attname for name in FIELDS)
# `CHAINED`: the number and hash of each changed dossier's `import_update` event, chained
# in Python.


def _column(name: str) -> str:
    return cast(Field, Dossier._meta.get_field(name)).column


typed_column = _column  # the typed table's column of a dossier field


# The typed table's columns: the dossier's own names, so a comparison reads `n.x` / `d.x`.
_TYPED = {
    "line": "int",
    "code": "text",
    "reference": "text",
    "offers_online": "flag",
    "event_hash": "text",
    **{
        _column(name): kind
        for name, kind in {
            "procedure": "bigint",
            "agency": "bigint",
            "channel": "text",
            "state": "text",
            "state_before_pause": "text",
            "received_at": "moment",
            "due_at": "moment",
            "finished_at": "moment",
            "returned_at": "moment",
            "closed_at": "moment",
            "refused_stage": "text",
            "supplement_count": "int",
            "fee_amount": "bigint",
            "paid_online": "flag",
            "paid_online_at": "moment",
            "digitized": "flag",
            "e_result": "flag",
            "result_to_store": "flag",
            "reused_data": "flag",
            "registry_used": "flag",
            "synced": "flag",
            "rating": "text",
            "rated_at": "moment",
            "created_at": "moment",
            "submitted_at": "moment",
        }.items()
    },
    "dossier_id": "bigint",
    # PostgreSQL: the id the row's dossier gets if it turns out to be new (`_create`).
    "new_id": "bigint",
}


def resolve(staging: Staging, *, source: str, rows: int) -> None:
    """Fill `import_new` from the staging table (every staged row is good by now).

    A row staged as the file's text (`raw`) has no reference, hash or computed due moment
    yet: the reference and the `import` event's hash are computed here, the due moment is
    `raw.dues_fill`'s.

    The rows go in code order, so that the new dossiers' inserts keep the code index's
    pages together — unless the file's `rows` will have the indexes built afterwards
    (`bulk.rebuild_worth_it`, asked of the file's rows before any is matched): then the
    order buys nothing, and sorting the wide rows spills the whole file to disk (a million
    rows: about 1.2 s)."""
    d = staging.dialect
    types = d.types()
    new = d.work(NEW)
    moment = d.moment
    columns = ", ".join(f"{name} {types[kind]}" for name, kind in _TYPED.items())
    c = _column
    reference, event_hash_expr = "s.reference", "t.event_hash"
    params: list[Any] = []
    due = moment("COALESCE(NULLIF(s.due_at, ''), s.due_computed)")
    due_join = ""
    if staging.raw:
        reference = f"COALESCE(NULLIF(s.reference, ''), {REFERENCE.format(code='s.code')})"
        computed, params = event_hash_sql(
            source, reference="t.reference", at="t.received_at", state="t.state"
        )
        event_hash_expr = f"COALESCE(NULLIF(t.event_hash, ''), {computed})"
        # `raw.Dues` sent each due moment as microseconds since the epoch.
        due = f"COALESCE({due}, TIMESTAMPTZ 'epoch' + dd.due * INTERVAL '1 microsecond')"
        due_join = f"LEFT JOIN {d.work(DUE_MOMENTS)} dd ON dd.line = s.line"
    typed = f"""
        SELECT s.line, s.code, {reference} AS reference, s.event_hash,
            p.{d.column(Procedure, "online")} IN ({listed(ONLINE_LEVELS)}) AS offers_online,
            p.id AS procedure_id, a.id AS agency_id, s.channel, s.state,
            {moment("s.received_at")} AS received_at,
            {due} AS due_at,
            {moment("s.finished_at")} AS finished_at,
            {moment("s.returned_at")} AS returned_at,
            {d.integer("s.supplements")} AS supplements,
            {d.integer("s.fee_amount")} AS fee_amount,
            {d.flag("s.paid_online")} AS paid_online,
            {d.flag("s.digitized")} AS digitized,
            {d.flag("s.e_result")} AS e_result,
            {d.flag("s.result_to_store")} AS result_to_store,
            {d.flag("s.reused_data")} AS reused_data,
            {d.flag("s.registry_used")} AS registry_used,
            {d.flag("s.synced")} AS synced,
            s.rating, {moment("s.rated_at")} AS rated_at, known.id AS dossier_id
        FROM {staging.name} s
        JOIN {d.table(Procedure)} p ON p.{d.column(Procedure, "code")} = s.procedure_code
        JOIN {d.table(Agency)} a ON a.{d.column(Agency, "code")} = s.agency_code
        LEFT JOIN {d.table(Dossier)} known ON known.{d.column(Dossier, "code")} = s.code
        {due_join}
        WHERE s.checked = 0
        {"OFFSET 0" if d.postgres else "LIMIT -1 OFFSET 0"}"""
    # The `OFFSET` keeps the database from merging this query into the one below: merged,
    # each use of a typed column (`t.received_at` six times, `t.reference` twice in the
    # event's hash) would compute its cast or hash again, row by row (PostgreSQL, a million
    # rows: 7.6 s merged, 5.9 s not).
    # §6–§7, as `dossier_transition` leaves a dossier in each state: see the package's doc.
    derived = {
        "line": "t.line",
        "code": "t.code",
        "reference": "t.reference",
        "event_hash": event_hash_expr,
        "offers_online": "t.offers_online",
        c("procedure"): "t.procedure_id",
        c("agency"): "t.agency_id",
        c("channel"): "t.channel",
        c("state"): "t.state",
        c("state_before_pause"): (
            f"CASE WHEN t.state IN ({listed(PAUSED_STATES)}) "
            f"THEN '{State.IN_PROGRESS.value}' ELSE '' END"
        ),
        c("received_at"): "t.received_at",
        c("due_at"): "t.due_at",
        c("finished_at"): "t.finished_at",
        c("returned_at"): "t.returned_at",
        c("closed_at"): (
            f"CASE WHEN t.state IN ({listed(TERMINAL_STATES)}) "
            "THEN COALESCE(t.returned_at, t.finished_at, t.received_at) END"
        ),
        c("refused_stage"): (
            f"CASE WHEN t.state = '{State.REFUSED.value}' THEN CASE WHEN t.finished_at IS NULL "
            f"THEN '{Dossier.RefusedStage.RECEPTION.value}' "
            f"ELSE '{Dossier.RefusedStage.PROCESSING.value}' END ELSE '' END"
        ),
        c("supplement_count"): "t.supplements",
        c("fee_amount"): "t.fee_amount",
        c("paid_online"): "t.paid_online",
        # §9 carries no payment moment; reception is the earliest the fee can have been paid
        # and the moment the row is sure of. An update keeps a known moment (`Writer`).
        c("paid_online_at"): "CASE WHEN t.paid_online THEN t.received_at END",
        c("digitized"): "t.digitized",
        c("e_result"): "t.e_result",
        c("result_to_store"): "t.result_to_store",
        c("reused_data"): "t.reused_data",
        c("registry_used"): "t.registry_used",
        c("synced"): "t.synced",
        c("rating"): "t.rating",
        c("rated_at"): "t.rated_at",
        c("created_at"): "t.received_at",
        c("submitted_at"): f"CASE WHEN t.channel = '{Channel.ONLINE.value}' THEN t.received_at END",
        # The dossier the row's code already names, if any (`Writer._match`).
        "dossier_id": "t.dossier_id",
    }
    with staging.connection.cursor() as cursor:
        order = "" if rebuild_worth_it(cursor, d, Dossier, rows) else " ORDER BY t.code"
        if not d.postgres:
            cursor.execute(f"DROP TABLE IF EXISTS {new}", [])
            cursor.execute(f"CREATE TEMP TABLE {new} ({columns})", [])
            cursor.execute(
                f"INSERT INTO {new} ({', '.join(derived)}) "
                f"SELECT {', '.join(derived.values())} FROM ({typed}) t{order}",
                params,
            )
            return
        # `CREATE TABLE … AS`, which PostgreSQL runs with parallel workers (an `INSERT …
        # SELECT` it runs in one process): the staged rows are scanned, joined and cast by
        # the workers, the leader writes them (a million rows: 10.5–13.0 s in one process,
        # 5.5–8.5 s so). Each row's would-be dossier id is its rank in the block
        # `ids_reserve` took — in code order when the rows are sorted — so that `_create`
        # writes the dossiers and their events straight from this table, with no join of the
        # inserted rows back to it; a row that turns out to update a dossier leaves its number
        # unused, as a rolled-back insert would. (`nextval` here would run the whole
        # statement in one process; the rank is counted by the leader, over what the workers
        # hand it.)
        if staging.id_offset is None:
            # PostgreSQL evaluates a volatile output column after any sort: in code order.
            derived["new_id"] = f"nextval('{staging.id_sequence}'::regclass)"
        else:
            derived["new_id"] = f"%s + row_number() OVER ({order.strip()})"
            params.append(staging.id_offset)
        select = ", ".join(
            f"CAST({expr} AS {types[_TYPED[name]]}) AS {name}" for name, expr in derived.items()
        )
        cursor.execute(d.create_work(NEW, f"AS SELECT {select} FROM ({typed}) t{order}"), params)
        # A new table has no statistics until asked; the planner needs them.
        d.analyze(cursor, new)


def ids_reserve(staging: Staging, rows: int) -> None:
    """PostgreSQL: take from the dossier table's sequence a block of ids, one for each of the
    `rows` staged, for the typed rows (`resolve`).

    The block is taken in a transaction of its own when the caller has none, so that no
    other writer waits for the import: `ALTER SEQUENCE` makes any other `nextval` of the
    sequence wait until that transaction ends (the lock a sequence has no other way to
    take), so that no other dossier gets an id in between; then the sequence is moved to the
    block's end. A file rejected later leaves its block unused, as rolled-back inserts do.
    Only the sequence's owner may alter it: any other database user's import draws each id
    with `nextval` as it types the rows (in one process: `resolve`)."""
    staging.id_offset = None
    if not staging.dialect.postgres:
        return
    connection = staging.connection
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT s, pg_has_role((SELECT relowner FROM pg_class WHERE oid = s::regclass), "
            "'MEMBER') FROM pg_get_serial_sequence(%s, 'id') s",
            [Dossier._meta.db_table],
        )
        staging.id_sequence, owner = cursor.fetchone()
        if not owner or not rows:
            return
        cursor.execute(f"ALTER SEQUENCE {staging.id_sequence} INCREMENT BY 1", [])
        cursor.execute(
            "SELECT setval(%s::regclass, nextval(%s::regclass) + %s - 1)",
            [staging.id_sequence, staging.id_sequence, rows],
        )
        last = cursor.fetchone()[0]
    staging.id_offset = last - rows  # the first row's rank is 1


@dataclass
class Written:
    created: int = 0
    updated: int = 0


class Writer:
    """The write steps, inside the caller's transaction."""

    def __init__(self, *, dialect: Dialect, source: str, rows: int) -> None:
        self.d = dialect
        self.source = source
        self.rows = rows
        self.moment = timezone.now()
        self.now = dialect.connection.ops.adapt_datetimefield_value(self.moment)
        self.dossiers = dialect.table(Dossier)
        self.events = dialect.table(DossierEvent)
        self.new = dialect.work(NEW)
        self.changed = dialect.work(CHANGED)
        self.chained = dialect.work(CHAINED)
        self.import_payload = DossierEvent._meta.get_field("payload").get_db_prep_save(
            {"source": source}, dialect.connection
        )

    def write(self) -> Written:
        written = Written()
        with self.d.connection.cursor() as cursor:
            matched = self._match(cursor)
            if matched:
                written.updated = self._compare(cursor)
                if written.updated and self.d.postgres:
                    # Lock only what changes, then compare again under the lock: the counters
                    # move from what the dossier is, not from what it was when first read. A
                    # dossier left alone needs no lock (locking a million re-imported rows
                    # would rewrite every page of the table).
                    self._lock_changed(cursor)
                    written.updated = self._compare(cursor, again=True)
            counters_add_grouped(self.d, self._contributions(bool(written.updated)))
            if written.updated:
                self._update(cursor)
            if rebuild_worth_it(cursor, self.d, Dossier, self.rows - matched):
                with indexes_rebuilt(cursor, self.d, [Dossier, DossierEvent]):
                    written.created = self._create(cursor)
            else:
                written.created = self._create(cursor)
        return written

    def _match(self, cursor: Any) -> int:
        """How many of the file's codes are dossiers' already: `resolve` noted their ids
        while typing the rows (one join in the statement that scans them anyway; a million
        rows re-imported: an `UPDATE` of every typed row here took 5.3 s)."""
        cursor.execute(f"SELECT COUNT(*) FROM {self.new} WHERE dossier_id IS NOT NULL", [])
        return cursor.fetchone()[0]

    def _lock_changed(self, cursor: Any) -> None:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {self.dossiers} d JOIN {self.changed} c "
            "ON d.id = c.dossier_id ORDER BY d.id FOR UPDATE OF d) locked",
            [],
        )

    def _final_paid_at(self) -> str:
        # A dossier paid online live keeps its confirmation moment (§8 counts the payment on
        # that day); only a flag that turns true takes the row's reception, and one that turns
        # false clears it.
        paid, at = _column("paid_online"), _column("paid_online_at")
        return f"CASE WHEN d.{paid} AND n.{paid} THEN d.{at} ELSE n.{at} END"

    def _compare(self, cursor: Any, *, again: bool = False) -> int:
        """List the matched dossiers the file changes, with the names of the changed fields;
        `again`: only among those listed before."""
        d = self.d
        types = d.types()
        paid_at = self._final_paid_at()
        differs = []
        names = []
        for name in FIELDS:
            column = d.quote(_column(name))
            new = paid_at if name == "paid_online_at" else f"n.{column}"
            differs.append(d.distinct(f"d.{column}", new))
            names.append(f"CASE WHEN {differs[-1]} THEN ',\"{name}\"' ELSE '' END")
        changed_any = " OR ".join(
            test for name, test in zip(FIELDS, differs, strict=True) if name != "paid_online_at"
        )
        state, version = d.quote(_column("state")), d.quote("version")
        if again:
            before = d.work(CHANGED + "_before")
            cursor.execute(f"DROP TABLE IF EXISTS {before}", [])
            cursor.execute(
                f"ALTER TABLE {self.changed} RENAME TO {d.quote(CHANGED + '_before')}", []
            )
            changed_any = f"({changed_any}) AND n.line IN (SELECT line FROM {before})"
        cursor.execute(f"DROP TABLE IF EXISTS {self.changed}", [])
        cursor.execute(
            d.create_work(
                CHANGED,
                f"(line {types['int']}, dossier_id {types['bigint']}, "
                f"from_state {types['text']}, version {types['bigint']}, "
                f"paid_online_at {types['moment']}, fields {types['text']})",
            ),
            [],
        )
        cursor.execute(
            f"INSERT INTO {self.changed} "
            f"SELECT n.line, d.id, d.{state}, d.{version}, {paid_at}, "
            f"'[' || substr({' || '.join(names)}, 2) || ']' "
            f"FROM {self.new} n JOIN {self.dossiers} d ON d.id = n.dossier_id "
            f"WHERE {changed_any}",
            [],
        )
        count = cursor.rowcount
        if again:
            cursor.execute(f"DROP TABLE {before}", [])
        return count

    def _contributions(self, with_changes: bool) -> str:
        """What the counters add up: each new row and each changed row after the change
        (sign +1), each changed dossier before it (sign -1)."""
        d = self.d
        names = (
            "agency",
            "channel",
            "received_at",
            "finished_at",
            "due_at",
            "supplement_count",
            "fee_amount",
            "paid_online",
            "e_result",
            "result_to_store",
            "rating",
            "rated_at",
            "synced",
            "digitized",
            "reused_data",
            "registry_used",
        )
        columns = [d.quote(_column(name)) for name in names]
        aliases = ", ".join(f"{{t}}.{c} AS {c}" for c in columns)
        paid_at = d.quote(_column("paid_online_at"))
        parts = [
            f"SELECT 1 AS sign, n.offers_online AS offers_online, {aliases.format(t='n')}, "
            f"n.{paid_at} AS {paid_at} FROM {self.new} n WHERE n.dossier_id IS NULL"
        ]
        if with_changes:
            procedure_online = d.column(Procedure, "online")
            parts.append(
                f"SELECT 1, n.offers_online, {aliases.format(t='n')}, c.paid_online_at "
                f"FROM {self.new} n JOIN {self.changed} c ON c.line = n.line"
            )
            parts.append(
                f"SELECT -1, p.{procedure_online} IN ({listed(ONLINE_LEVELS)}), "
                f"{aliases.format(t='d')}, d.{paid_at} "
                f"FROM {self.changed} c JOIN {self.dossiers} d ON d.id = c.dossier_id "
                f"JOIN {d.table(Procedure)} p ON p.id = d.{d.quote(_column('procedure'))}"
            )
        return " UNION ALL ".join(parts)

    def _update(self, cursor: Any) -> None:
        d = self.d
        sets = [
            f"{d.quote(_column(name))} = n.{d.quote(_column(name))}"
            for name in FIELDS
            if name != "paid_online_at"
        ]
        sets.append(f"{d.quote(_column('paid_online_at'))} = c.paid_online_at")
        sets.append(f"{d.quote('version')} = c.version + 1")
        sets.append(f"{d.quote('updated_at')} = %s")
        cursor.execute(
            f"UPDATE {self.dossiers} SET {', '.join(sets)} "
            f"FROM {self.changed} c JOIN {self.new} n ON n.line = c.line "
            f"WHERE {self.dossiers}.id = c.dossier_id",
            [self.now],
        )
        self._chain(cursor)
        event = _EventColumns(d)
        payload = d.json(
            "'{\"source\": ' || CAST(%s AS text) || ', \"fields\": ' || c.fields || '}'"
        )
        values = event.values(
            dossier="c.dossier_id",
            seq="h.seq",
            at="%s",
            action="'import_update'",
            from_state="c.from_state",
            to_state=f"n.{d.quote(_column('state'))}",
            payload=payload,
            hash="h.hash",
        )
        cursor.execute(
            f"INSERT INTO {self.events} ({event.columns}) SELECT {values.sql} "
            f"FROM {self.changed} c JOIN {self.new} n ON n.line = c.line "
            f"JOIN {self.chained} h ON h.line = c.line",
            [*values.params_before(at=self.now, payload=_json_text(self.source))],
        )

    def _chain(self, cursor: Any) -> None:
        """Each changed dossier's `import_update` event follows its last event: its number
        and hash (`audit.chain`) are worked out here, from that event's, into `chained`."""
        d = self.d
        types = d.types()
        seq, reference = d.quote("seq"), d.quote(_column("reference"))
        cursor.execute(f"DROP TABLE IF EXISTS {self.chained}", [])
        cursor.execute(
            d.create_work(
                CHAINED,
                f"(line {types['int']} PRIMARY KEY, seq {types['bigint']}, hash {types['text']})",
            ),
            [],
        )
        cursor.execute(
            f"SELECT c.line, d.{reference}, c.from_state, n.{d.quote(_column('state'))}, "
            f"c.fields, e.{seq}, e.{d.quote('hash')} "
            f"FROM {self.changed} c JOIN {self.new} n ON n.line = c.line "
            f"JOIN {self.dossiers} d ON d.id = c.dossier_id "
            f"JOIN {self.events} e ON e.{d.quote('dossier_id')} = c.dossier_id "
            f"AND e.{seq} = (SELECT MAX(l.{seq}) FROM {self.events} l "
            f"WHERE l.{d.quote('dossier_id')} = c.dossier_id)",
            [],
        )
        # Read to the end before writing: one cursor at a time on SQLite.
        tails = cursor.fetchall()
        rows = [
            (
                line,
                last + 1,
                event_hash(
                    reference=ref,
                    seq=last + 1,
                    at=self.moment,
                    actor_id=None,
                    action="import_update",
                    from_state=from_state,
                    to_state=to_state,
                    note="",
                    payload={"source": self.source, "fields": json.loads(fields)},
                    prev=prev,
                ),
            )
            for line, ref, from_state, to_state, fields, last, prev in tails
        ]
        insert_rows(cursor, f"INSERT INTO {self.chained} (line, seq, hash)", 3, rows)

    def _create(self, cursor: Any) -> int:
        d = self.d
        given = {"reference": "n.reference", "code": "n.code", "updated_at": "%s"}
        for name in FIELDS:
            column = d.quote(_column(name))
            given[name] = f"n.{column}"
        fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
        prototype = Dossier(applicant_name="")
        columns, exprs, params = [], [], []
        for field in fields:
            columns.append(d.quote(field.column))
            if field.name in given:
                exprs.append(given[field.name])
                if field.name == "updated_at":
                    params.append(self.now)
            else:
                exprs.append("%s")
                params.append(
                    field.get_db_prep_save(getattr(prototype, field.attname), d.connection)
                )
        if d.postgres:
            # The ids drawn in `resolve`, in the order of `import_new`'s rows.
            columns.insert(0, d.quote("id"))
            exprs.insert(0, "n.new_id")
        insert = (
            f"INSERT INTO {self.dossiers} ({', '.join(columns)}) "
            f"SELECT {', '.join(exprs)} FROM {self.new} n WHERE n.dossier_id IS NULL"
        )
        if not d.postgres:
            insert += " ORDER BY n.code"
        # On PostgreSQL `resolve` filled `import_new` in code order (unless the indexes are
        # built afterwards) and `_match` moved only the rows it matched, so a scan gives the
        # new ones in that order already: sorting the wide rows again cost a spill to disk
        # of the whole file. (The order only keeps the code index's inserts together; it
        # decides nothing.)
        event = _EventColumns(d)
        received, state = d.quote(_column("received_at")), d.quote(_column("state"))
        if d.postgres:
            cursor.execute(insert, params)
            created = cursor.rowcount
            # Each new dossier's `import` event, from the same rows: the id is known, and the
            # event's hash was worked out while staging.
            values = event.values(
                dossier="n.new_id",
                seq="1",
                at=f"n.{received}",
                action="'import'",
                from_state="''",
                to_state=f"n.{state}",
                payload="%s",
                hash="n.event_hash",
            )
            cursor.execute(
                f"INSERT INTO {self.events} ({event.columns}) SELECT {values.sql} "
                f"FROM {self.new} n WHERE n.dossier_id IS NULL",
                values.params_before(payload=self.import_payload),
            )
            return created
        cursor.execute(insert, params)
        created = cursor.rowcount
        values = event.values(
            dossier="d.id",
            seq="1",
            at=f"n.{received}",
            action="'import'",
            from_state="''",
            to_state=f"n.{state}",
            payload="%s",
            hash="n.event_hash",
        )
        cursor.execute(
            f"INSERT INTO {self.events} ({event.columns}) SELECT {values.sql} "
            f"FROM {self.new} n JOIN {self.dossiers} d ON d.{d.quote(_column('code'))} = n.code "
            "WHERE n.dossier_id IS NULL ORDER BY n.code",
            values.params_before(payload=self.import_payload),
        )
        return created


def _json_text(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


class _EventColumns:
    """An event row for `INSERT … SELECT`: the given expressions, every other column at its
    model default (a parameter)."""

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self.fields = [f for f in DossierEvent._meta.concrete_fields if not f.primary_key]
        self.columns = ", ".join(dialect.quote(f.column) for f in self.fields)
        self.dossier = dialect.quote(cast(Field, DossierEvent._meta.get_field("dossier")).column)

    def values(self, **given: str) -> _EventValues:
        prototype = DossierEvent()
        exprs: list[str] = []
        order: list[str | tuple[str, Any]] = []
        for field in self.fields:
            expr = given.get(field.name)
            if expr is None:
                exprs.append("%s")
                default = field.get_db_prep_save(
                    getattr(prototype, field.attname), self.d.connection
                )
                order.append(("default", default))
            else:
                exprs.append(expr)
                for _ in range(expr.count("%s")):
                    order.append(field.name)
        return _EventValues(", ".join(exprs), order)


@dataclass
class _EventValues:
    sql: str
    order: list

    def params_before(self, **named: Any) -> list:
        """The statement's parameters, in the order its placeholders appear."""
        params = []
        for item in self.order:
            if isinstance(item, tuple):
                params.append(item[1])
            else:
                params.append(named[item])
        return params


__all__ = ["ATTNAMES", "COLUMNS", "FIELDS", "Writer", "resolve"]
