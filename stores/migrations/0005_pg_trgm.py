from django.db import migrations

# pg_trgm ships with PostgreSQL's contrib package: the standard server packages and images have it, the embedded
# server of `make run` does not. Without it, catalog search works the same, only without trigram indexes.
CREATE_IF_AVAILABLE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    """Trigram search (SKU, code and title "contains" lookups on indexes) for every store's catalog.
    The extension lives in the public schema, which is on every store's search path."""

    dependencies = [("stores", "0004_category")]

    operations = [migrations.RunSQL(CREATE_IF_AVAILABLE, reverse_sql=migrations.RunSQL.noop)]
