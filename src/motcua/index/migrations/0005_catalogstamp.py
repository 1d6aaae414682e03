"""The catalog's stamp (`CatalogStamp`) and the triggers that change it with every write to
what the index's catalog metrics read, in the writing transaction.

- SQLite: a row trigger per table and kind of write (SQLite has no statement triggers).
- PostgreSQL: one statement trigger per table (insert, update, delete, truncate).

A table that a later migration rebuilds on SQLite loses its triggers:
tests/index/test_rollup_and_cache.py writes each table and asserts the stamp moved."""

from django.db import migrations, models

TABLES = (
    "catalog_procedure",
    "catalog_procedure_agencies",
    "catalog_requireddocument",
    "catalog_publication",
    "core_calendaroverride",
)
SQLITE_TOUCH = (
    "INSERT INTO index_catalogstamp (id, token) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)
SQLITE_FORWARDS = [
    f"CREATE TRIGGER index_catalog_stamp_{table}_{op.lower()} AFTER {op} ON {table} "
    f"BEGIN {SQLITE_TOUCH} END"
    for table in TABLES
    for op in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS index_catalog_stamp_{table}_{op}"
    for table in TABLES
    for op in ("insert", "update", "delete")
]
POSTGRESQL_FORWARDS = [
    """
    CREATE FUNCTION index_catalog_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO index_catalogstamp (id, token) VALUES (1, gen_random_uuid()::text)
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER index_catalog_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION index_catalog_touch()"
        for table in TABLES
    ),
]
POSTGRESQL_BACKWARDS = [
    *(f"DROP TRIGGER IF EXISTS index_catalog_stamp ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS index_catalog_touch()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0004_dailycounter_to_counters"),
        ("catalog", "0006_procedure_search_index"),
        ("core", "0003_outbox_backoff"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=36)),
            ],
            options={
                "verbose_name": "dấu phiên bản danh mục",
                "verbose_name_plural": "dấu phiên bản danh mục",
            },
        ),
        migrations.RunSQL(
            "INSERT INTO index_catalogstamp (id, token) VALUES (1, 'initial')",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRESQL_FORWARDS}),
            _run({"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRESQL_BACKWARDS}),
        ),
    ]
