"""PostgreSQL: the catalog search's GIN index keeps at most 64 kB of new entries unsorted.

GIN adds new entries to a pending list, merged into the index by VACUUM, autoanalyze, or when
the list passes `gin_pending_list_limit` (4 MB by default); every search reads the whole list
meanwhile. After an import of 20,000 procedures it held 100–200 pages, which every search read
before its hits: 0.5 ms for a one-hit query, 1.8 ms of `xac nhan tinh trang hon nhan`'s 3.5 ms
(EXPLAIN ANALYZE, 104 buffers against 3). With 64 kB (the least allowed) it holds 8 pages at
most; the import merges more often and took as long (13–15 s, within the run's noise). Turning
`fastupdate` off instead made the import up to a third slower (docs/performance.md)."""

from django.db import migrations


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER INDEX catalog_procedure_search SET (gin_pending_list_limit = 64)"
        )


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX catalog_procedure_search RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0009_procedure_search_tiers")]

    operations = [migrations.RunPython(forwards, backwards)]
