"""The full-text index of catalog search (`catalog.selectors.procedure_hits`): the words of
each procedure's search key (`name_folded`) and its code.

- SQLite: an FTS5 table over `catalog_procedure` (external content, so the words are not
  stored twice), kept in step by triggers on insert, delete and a change of the key or code.
  The tokenizer keeps the punctuation that `search_fold` leaves in a key (`.` of `1.5`, `%`)
  inside a word, so its words are the key's words; prefix indexes make a word start of one to
  three letters a lookup.
- PostgreSQL: a GIN index on the key's words as a tsvector, split on its spaces (no parser or
  dictionary, so the same words as SQLite), for prefix queries `'word':*`.

Other databases get nothing and search with LIKE."""

from django.db import migrations

SQLITE_FORWARDS = [
    """
    CREATE VIRTUAL TABLE catalog_procedure_fts USING fts5(
        name_folded, code,
        content='catalog_procedure', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '.%_&+*#@$=<>|~^`'",
        prefix='1 2 3'
    )
    """,
    """
    CREATE TRIGGER catalog_procedure_fts_insert AFTER INSERT ON catalog_procedure BEGIN
        INSERT INTO catalog_procedure_fts(rowid, name_folded, code)
        VALUES (new.id, new.name_folded, new.code);
    END
    """,
    """
    CREATE TRIGGER catalog_procedure_fts_delete AFTER DELETE ON catalog_procedure BEGIN
        INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, name_folded, code)
        VALUES ('delete', old.id, old.name_folded, old.code);
    END
    """,
    """
    CREATE TRIGGER catalog_procedure_fts_update AFTER UPDATE OF name_folded, code
    ON catalog_procedure BEGIN
        INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, name_folded, code)
        VALUES ('delete', old.id, old.name_folded, old.code);
        INSERT INTO catalog_procedure_fts(rowid, name_folded, code)
        VALUES (new.id, new.name_folded, new.code);
    END
    """,
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_insert",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_update",
    "DROP TABLE IF EXISTS catalog_procedure_fts",
]
POSTGRESQL_FORWARDS = [
    """
    CREATE INDEX catalog_procedure_search ON catalog_procedure USING gin ((
        array_to_tsvector(array_remove(string_to_array(
            "catalog_procedure"."name_folded" || ' ' || lower("catalog_procedure"."code"), ' '
        ), ''))
    ))
    """,
]
POSTGRESQL_BACKWARDS = ["DROP INDEX IF EXISTS catalog_procedure_search"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_procedure_name_search_key")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRESQL_FORWARDS}),
            _run({"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRESQL_BACKWARDS}),
        )
    ]
