"""PostgreSQL: the words catalog search matches are a stored column, `search_words`, computed
by the database from the key and the code (a generated column, so nothing in Python keeps it
in step), and the GIN index is on that column.

Before, the index was on the expression itself. A query matching a third of the catalog (`cap`
begins 6,000 of 20,000 names) is answered faster by reading the table than the index, and the
planner then computed the expression for every row: 53 of the query's 65 ms. Stored, the scan
only compares (docs/performance.md, catalog search). SQLite's FTS5 table is unchanged."""

from django.db import migrations

WORDS = """array_to_tsvector(array_remove(string_to_array(
    "catalog_procedure"."name_folded" || ' ' || lower("catalog_procedure"."code"), ' '
), ''))"""

FORWARDS = [
    "DROP INDEX IF EXISTS catalog_procedure_search",
    f"ALTER TABLE catalog_procedure ADD COLUMN search_words tsvector "
    f"GENERATED ALWAYS AS ({WORDS}) STORED",
    "CREATE INDEX catalog_procedure_search ON catalog_procedure USING gin (search_words)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS catalog_procedure_search",
    "ALTER TABLE catalog_procedure DROP COLUMN IF EXISTS search_words",
    f"CREATE INDEX catalog_procedure_search ON catalog_procedure USING gin (({WORDS}))",
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_procedure_result_valid_months")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
