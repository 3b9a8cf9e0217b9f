import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations

# "contains" lookups compare UPPER(column); the trigram indexes are on that expression. They need the pg_trgm
# extension (see stores 0005): where it is missing, the indexes are skipped and search scans instead.
INDEXES = [
    ("product_code_upper_trgm", "catalog_product", "code"),
    ("content_title_upper_trgm", "catalog_productcontent", "title"),
    ("variant_sku_upper_trgm", "catalog_variant", "sku"),
]
CREATE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        {statements}
    END IF;
END
$$;
""".format(statements="\n        ".join(
    f"CREATE INDEX {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops);"
    for name, table, column in INDEXES
))
DROP = "\n".join(f"DROP INDEX IF EXISTS {name};" for name, _table, _column in INDEXES)
DROP_OLD = "\n".join(f"DROP INDEX IF EXISTS {name};" for name in
                     ("product_code_trgm", "content_title_trgm", "variant_sku_trgm"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_listings_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="product", name="product_code_trgm"),
                migrations.RemoveIndex(model_name="productcontent", name="content_title_trgm"),
                migrations.RemoveIndex(model_name="variant", name="variant_sku_trgm"),
                migrations.AddIndex(
                    model_name="product",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("code"), name="gin_trgm_ops"
                        ),
                        name="product_code_upper_trgm",
                    ),
                ),
                migrations.AddIndex(
                    model_name="productcontent",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                        ),
                        name="content_title_upper_trgm",
                    ),
                ),
                migrations.AddIndex(
                    model_name="variant",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("sku"), name="gin_trgm_ops"
                        ),
                        name="variant_sku_upper_trgm",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(DROP_OLD, reverse_sql=migrations.RunSQL.noop),
                migrations.RunSQL(CREATE, reverse_sql=DROP),
            ],
        ),
    ]
