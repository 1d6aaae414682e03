"""Indexes that find the best tiers of a catalog search without ranking every hit
(`catalog.selectors._page_from_best_tiers`): the procedures whose code is the query or begins
with it, and the names that begin with the query in the order they rank in (length, name,
code). A broad word such as `cấp` then reads its first page from a few index entries, not
from the thousands of rows it matches (docs/performance.md, catalog search).

- SQLite: the code without case (Django's `iexact` / `istartswith` are a LIKE, which only an
  index of NOCASE collation serves); the key with the code and `is_active`, so the names
  begun are read from the index alone; and the inactive procedures, so that the number of
  hits is the full-text index's count less the inactive ones among them.
- PostgreSQL: the code in upper case for LIKE prefixes (`text_pattern_ops`, whatever the
  database's collation); the key's length, the key and the code — the tier's order, which the
  planner walks when the names begun are many.

Like the FTS5 table's triggers, these indexes are unknown to the model: a migration that makes
SQLite rebuild `catalog_procedure` drops them and must run this SQL again
(tests/catalog/test_search_tiers.py checks that they exist)."""

from django.db import migrations

SQLITE_FORWARDS = [
    "CREATE INDEX catalog_procedure_search_code "
    "ON catalog_procedure (code COLLATE NOCASE, name_folded, is_active)",
    "CREATE INDEX catalog_procedure_search_begun "
    "ON catalog_procedure (name_folded, code, is_active)",
    "CREATE INDEX catalog_procedure_search_inactive ON catalog_procedure (id) WHERE NOT is_active",
]
POSTGRESQL_FORWARDS = [
    "CREATE INDEX catalog_procedure_search_code "
    "ON catalog_procedure ((UPPER(code::text)) text_pattern_ops)",
    "CREATE INDEX catalog_procedure_search_begun "
    "ON catalog_procedure ((LENGTH(name_folded)), name_folded, code)",
]
INDEXES = {
    "sqlite": [
        "catalog_procedure_search_code",
        "catalog_procedure_search_begun",
        "catalog_procedure_search_inactive",
    ],
    "postgresql": ["catalog_procedure_search_code", "catalog_procedure_search_begun"],
}


def forwards(apps, schema_editor) -> None:
    statements = {"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRESQL_FORWARDS}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor) -> None:
    for name in INDEXES.get(schema_editor.connection.vendor, []):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_procedure_search_words")]

    operations = [migrations.RunPython(forwards, backwards)]
