"""The second pass: the checked rows written one batch at a time, inside the caller's
transaction — a new code creates a dossier, a changed row updates it, an identical row is left
alone — with the dossiers' events and the counters' delta.

Rows are written with plain parameterised SQL (`executemany`) rather than `bulk_create`: at a
million rows the ORM's per-object and per-statement work (and SQLite's 999-parameter batches)
cost more than the database does. The statements are built from the models' metadata, so a
new dossier field with a default is written with that default.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import cast

from django.db import connections
from django.db.models import DateTimeField, Field, Max
from django.utils import timezone

from motcua.counters.keys import Key
from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.report import ImportReport
from motcua.dossiers.importer.rows import PAUSED_STATES, Row
from motcua.dossiers.importer.sql import Insert, insert_rows, moment_adapter
from motcua.dossiers.metrics import contributions
from motcua.dossiers.models import TERMINAL_STATES, Channel, Dossier, DossierEvent, State

# The dossier fields an import writes, in the order `Writer.values` returns them.
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
PAID_AT = FIELDS.index("paid_online_at")
PAID = FIELDS.index("paid_online")


def _compared(values: tuple) -> tuple:
    """What decides whether a row changed its dossier: everything but `paid_online_at`, which
    §9 does not carry — the file's stand-in for it is no news about the dossier."""
    return values[:PAID_AT] + values[PAID_AT + 1 :]


def reference_for(code: str) -> str:
    """The temporary reference of an imported dossier: stable, so a re-import finds it."""
    return "NK-" + hashlib.blake2b(code.encode(), digest_size=10).hexdigest().upper()


class Writer:
    def __init__(self, *, catalog: Catalog, source: str, report: ImportReport) -> None:
        self.catalog = catalog
        self.report = report
        self.delta: Counter[Key] = Counter()
        self.now = timezone.now()
        self.source = source
        self.connection = connection = connections[Dossier.objects.db]
        self.adapt = moment_adapter(connection)
        self.moments = tuple(isinstance(Dossier._meta.get_field(n), DateTimeField) for n in FIELDS)
        quote = connection.ops.quote_name
        self.table = quote(Dossier._meta.db_table)
        self.columns = ", ".join(quote(name) for name in ("code", "id", *_columns(FIELDS)))
        # New dossiers: the database row, and the model instance the counters are read from.
        self.insert = Insert(
            connection,
            Dossier,
            ("reference", "code", *FIELDS, "updated_at"),
            applicant_name="",
        )
        concrete = Dossier._meta.concrete_fields
        self.attnames = [f.attname for f in concrete]
        self.instance_template = [getattr(Dossier(applicant_name=""), f.attname) for f in concrete]
        self.instance_positions = [
            concrete.index(cast(Field, Dossier._meta.get_field(name))) for name in ("code", *FIELDS)
        ]
        self.update_sql = "UPDATE {} SET {} WHERE {} = %s".format(
            self.table,
            ", ".join(f"{quote(c)} = %s" for c in (*_columns(FIELDS), "version", "updated_at")),
            quote("id"),
        )
        self.insert_event = Insert(
            connection,
            DossierEvent,
            ("dossier", "seq", "at", "action", "from_state", "to_state", "payload"),
        )
        self.payload_field = DossierEvent._meta.get_field("payload")
        self.import_payload = self.payload_field.get_db_prep_save({"source": source}, connection)

    def values(self, row: Row) -> tuple:
        """The row as the dossier fields it sets, in `FIELDS` order."""
        state = row.state
        due_at = row.due_at
        if due_at is None:
            due_at = self.catalog.due(row.procedure, row.agency, row.received_at)
        closed_at = None
        if state in TERMINAL_STATES:
            closed_at = row.returned_at or row.finished_at or row.received_at
        refused_stage = ""
        if state == State.REFUSED:
            refused_stage = (
                Dossier.RefusedStage.PROCESSING
                if row.finished_at is not None
                else Dossier.RefusedStage.RECEPTION
            )
        return (
            row.procedure.pk,
            row.agency.pk,
            row.channel,
            state,
            State.IN_PROGRESS if state in PAUSED_STATES else "",
            row.received_at,
            due_at,
            row.finished_at,
            row.returned_at,
            closed_at,
            refused_stage,
            row.supplements,
            row.fee_amount,
            row.paid_online,
            # §9 carries no payment moment; reception is the earliest the fee can have been
            # paid and the moment the row is sure of. An update keeps a known moment
            # (`_paid_online_at`).
            row.received_at if row.paid_online else None,
            row.digitized,
            row.e_result,
            row.result_to_store,
            row.reused_data,
            row.registry_used,
            row.synced,
            row.rating,
            row.rated_at,
            row.received_at,
            row.received_at if row.channel == Channel.ONLINE else None,
        )

    def stored(self, values: tuple) -> tuple:
        """The values as the database driver takes and returns them."""
        adapt = self.adapt
        return tuple(
            adapt(value) if moment else value
            for value, moment in zip(values, self.moments, strict=True)
        )

    def counted(self, dossier: Dossier) -> Counter[Key]:
        # A procedure created since the catalog was read is looked up by `contributions`.
        offers_online = self.catalog.offers_online.get(dossier.procedure_id)
        return contributions(dossier, offers_online=offers_online)

    def write(self, rows: list[Row]) -> None:
        codes = [row.code for row in rows]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT {} FROM {} WHERE {} IN ({})".format(
                    self.columns,
                    self.table,
                    self.connection.ops.quote_name("code"),
                    ", ".join(["%s"] * len(codes)),
                ),
                codes,
            )
            existing = {found[0]: found for found in cursor.fetchall()}
        fresh: list[tuple[Row, tuple, tuple]] = []
        changed: dict[int, tuple] = {}
        for row in rows:
            values = self.values(row)
            stored = self.stored(values)
            found = existing.get(row.code)
            if found is None:
                fresh.append((row, values, stored))
            elif _compared(found[2:]) != _compared(stored):
                changed[found[1]] = values
            else:
                self.report.unchanged += 1
        if fresh:
            self._create(fresh)
        if changed:
            self._update(changed)

    def _create(self, fresh: list[tuple[Row, tuple, tuple]]) -> None:
        params = []
        now = self.adapt(self.now)
        for row, values, stored in fresh:
            params.append(self.insert.params((reference_for(row.code), row.code, *stored, now)))
            instance = self.instance_template.copy()
            for position, value in zip(self.instance_positions, (row.code, *values), strict=True):
                instance[position] = value
            dossier = Dossier.from_db(self.connection.alias, self.attnames, instance)
            self.delta.update(self.counted(dossier))
        with self.connection.cursor() as cursor:
            insert_rows(cursor, self.insert.head, self.insert.width, params)
            codes = [row.code for row, _values, _stored in fresh]
            cursor.execute(
                "SELECT {}, {} FROM {} WHERE {} IN ({})".format(
                    *(self.connection.ops.quote_name(c) for c in ("code", "id")),
                    self.table,
                    self.connection.ops.quote_name("code"),
                    ", ".join(["%s"] * len(codes)),
                ),
                codes,
            )
            ids = dict(cursor.fetchall())
            insert_rows(
                cursor,
                self.insert_event.head,
                self.insert_event.width,
                [
                    self.insert_event.params(
                        (ids[row.code], 1, stored[5], "import", "", row.state, self.import_payload)
                    )
                    for row, _values, stored in fresh
                ],
            )
        self.report.created += len(fresh)

    def _update(self, changed: dict[int, tuple]) -> None:
        # Read again under a lock: the counters move from what the dossier is, not from what
        # it was when the batch was compared.
        locked = list(Dossier.objects.select_for_update().filter(pk__in=list(changed)))
        last_seq = dict(
            DossierEvent.objects.filter(dossier_id__in=list(changed))
            .order_by()
            .values("dossier_id")
            .annotate(last=Max("seq"))
            .values_list("dossier_id", "last")
        )
        updates, events = [], []
        at = self.adapt(self.now)
        for dossier in locked:
            values = _paid_online_at(dossier, changed[dossier.pk])
            before = tuple(getattr(dossier, name) for name in ATTNAMES)
            if _compared(before) == _compared(values):
                self.report.unchanged += 1
                continue
            fields = [f for f, old, new in zip(FIELDS, before, values, strict=True) if old != new]
            from_state = dossier.state
            self.delta.subtract(self.counted(dossier))
            for name, value in zip(ATTNAMES, values, strict=True):
                setattr(dossier, name, value)
            self.delta.update(self.counted(dossier))
            updates.append([*self.stored(values), dossier.version + 1, at, dossier.pk])
            payload = {"source": self.source, "fields": fields}
            events.append(
                self.insert_event.params(
                    (
                        dossier.pk,
                        (last_seq.get(dossier.pk) or 0) + 1,
                        at,
                        "import_update",
                        from_state,
                        dossier.state,
                        self.payload_field.get_db_prep_save(payload, self.connection),
                    )
                )
            )
        if updates:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.update_sql, updates)
                insert_rows(cursor, self.insert_event.head, self.insert_event.width, events)
        self.report.updated += len(updates)


def _paid_online_at(dossier: Dossier, values: tuple) -> tuple:
    """The row's values with the dossier's payment moment where it is known: a dossier paid
    online live keeps its confirmation moment (§8 counts the payment on that day); only a flag
    that turns true takes the row's reception, and one that turns false clears it."""
    if dossier.paid_online and values[PAID]:
        return (*values[:PAID_AT], dossier.paid_online_at, *values[PAID_AT + 1 :])
    return values


def _columns(names: tuple[str, ...]) -> list[str]:
    return [cast(Field, Dossier._meta.get_field(name)).column for name in names]
