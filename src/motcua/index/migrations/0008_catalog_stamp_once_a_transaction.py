"""PostgreSQL: the catalog's stamp (`CatalogStamp`) is written once per transaction, not once
per statement.

The statement triggers of migration 0005 updated the one stamp row for every statement that
wrote the catalog. The import writes with `executemany`, one statement per row, so a 20,000
procedure import updated that row about 220,000 times in one transaction; every version stays
until the transaction ends, and each update walked more of them, so the import slowed with
its own length (minutes where it took 18 s).

Now the first write of a transaction sets a new token and the later ones only count
themselves in a transaction-local setting, `motcua.catalog_writes`, which
`engine.catalog_token` adds to the token: inside the writing transaction every write still
gives a new token, and the setting goes back with a rolled-back savepoint as the data does.
SQLite keeps its row triggers: it updates the row in place.
"""

from django.db import migrations

TOUCH_ONCE = """
    CREATE OR REPLACE FUNCTION index_catalog_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        writes text := current_setting('motcua.catalog_writes', true);
    BEGIN
        IF writes IS NULL OR writes = '' THEN
            INSERT INTO index_catalogstamp (id, token) VALUES (1, gen_random_uuid()::text)
            ON CONFLICT (id) DO UPDATE SET token = excluded.token;
            writes := '0';
        END IF;
        PERFORM set_config('motcua.catalog_writes', (writes::bigint + 1)::text, true);
        RETURN NULL;
    END
    $$
"""
TOUCH_EACH = """
    CREATE OR REPLACE FUNCTION index_catalog_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO index_catalogstamp (id, token) VALUES (1, gen_random_uuid()::text)
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
        RETURN NULL;
    END
    $$
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("index", "0007_fact_tables")]

    operations = [migrations.RunPython(_on_postgresql(TOUCH_ONCE), _on_postgresql(TOUCH_EACH))]
