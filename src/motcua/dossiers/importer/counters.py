"""The daily counters moved by a whole import at once, set-based: summed by the database
from the imported rows (`counters_add_grouped`), or from a delta computed in Python
(`counters_add`)."""

from __future__ import annotations

from collections import Counter

from motcua.counters.keys import Key
from motcua.counters.services import counters_add_select, counters_apply
from motcua.dossiers.importer.sql import Dialect, listed
from motcua.dossiers.metrics import SATISFIED
from motcua.dossiers.models import Channel


def counters_add(delta: Counter[Key]) -> None:
    """Add `delta` to the counters: `counters.services.counters_apply`, which upserts every
    key in a few statements (the daily rows and their months). Must run inside the caller's
    transaction."""
    counters_apply(delta)


def _metrics(d: Dialect) -> dict[str, tuple[str, str, dict[str, str]]]:
    """`dossiers.metrics.contributions` as SQL over a relation of dossier rows with a `sign`:
    per day kind, the moment it is dated by, the rows it counts, and each metric's addend."""
    q = d.quote

    def when(condition: str, value: str = "sign") -> str:
        return f"CASE WHEN {condition} THEN {value} ELSE 0 END"

    online = f"{q('channel')} = '{Channel.ONLINE.value}'"
    fee = f"{q('fee_amount')} > 0"
    return {
        "received": (
            q("received_at"),
            f"{q('received_at')} IS NOT NULL",
            {
                "received": "sign",
                "received_online": when(online),
                "received_online_offer": when("offers_online"),
                "received_online_offer_online": when(f"offers_online AND {online}"),
                "synced": when(q("synced")),
                "digitized": when(q("digitized")),
                "reused": when(q("reused_data")),
                "registry_used": when(q("registry_used")),
                "with_fee": when(fee),
                "with_fee_paid_online": when(f"{fee} AND {q('paid_online')}"),
            },
        ),
        "paid": (
            q("paid_online_at"),
            f"{q('paid_online')} AND {q('paid_online_at')} IS NOT NULL AND {fee}",
            {"payments_online": "sign", "payments_online_amount": f"sign * {q('fee_amount')}"},
        ),
        "finished": (
            q("finished_at"),
            f"{q('finished_at')} IS NOT NULL",
            {
                "finished": "sign",
                # `is_on_time`.
                "finished_on_time": when(
                    f"{q('supplement_count')} <= 1 AND ({q('due_at')} IS NULL "
                    f"OR {q('finished_at')} <= {q('due_at')})"
                ),
                "e_result": when(q("e_result")),
                "e_result_to_store": when(f"{q('e_result')} AND {q('result_to_store')}"),
            },
        ),
        "rated": (
            q("rated_at"),
            f"{q('rated_at')} IS NOT NULL AND {q('rating')} <> ''",
            {"rated": "sign", "rated_satisfied": when(f"{q('rating')} IN ({listed(SATISFIED)})")},
        ),
    }


def counters_add_grouped(d: Dialect, relation: str) -> None:
    """Add to the daily counters what the rows of `relation` contribute — each row a
    dossier's fields and a `sign` (+1 after, -1 before) — summed by the database: one
    `GROUP BY` per kind of day into a temporary table, then one upsert of the non-zero sums.
    Must run inside the caller's transaction."""
    types = d.types()
    sums = d.quote("motcua_import_counts")
    agency_of = d.quote("agency_id")
    with d.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {sums}", [])
        cursor.execute(
            f"CREATE TEMP TABLE {sums} (agency_id {types['bigint']}, day {types['day']}, "
            f"metric {types['text']}, value {types['bigint']})",
            [],
        )
        for moment, condition, addends in _metrics(d).values():
            columns = ", ".join(
                f"SUM({addend}) AS m{i}" for i, addend in enumerate(addends.values())
            )
            unpivot = " UNION ALL ".join(
                f"SELECT agency_id, day, '{name}' AS metric, m{i} AS value FROM g"
                for i, name in enumerate(addends)
            )
            cursor.execute(
                f"WITH g AS MATERIALIZED (SELECT {agency_of} AS agency_id, "
                f"{d.local_day(moment)} AS day, {columns} FROM ({relation}) r "
                f"WHERE {condition} GROUP BY 1, 2) "
                f"INSERT INTO {sums} (agency_id, day, metric, value) "
                f"SELECT agency_id, day, metric, value FROM ({unpivot}) u WHERE value <> 0",
                [],
            )
        # The daily rows and their months' roll-up, one upsert each. Each kind of day has
        # metrics of its own, so every key is in `sums` once already, non-zero; in the
        # order of the counters' unique index, whose pages each upsert then visits once.
        counters_add_select(
            f"SELECT agency_id, day, metric, value FROM {sums} WHERE true "
            "ORDER BY agency_id, day, metric"
        )
        cursor.execute(f"DROP TABLE {sums}", [])
