import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("stores", "0005_pg_trgm"),
    ]

    operations = [
        # The trigram indexes of this step were replaced in 0004 before any release; only the model state of
        # them remains, so that 0004 reads as it was written. They are never created in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="product",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["code"], name="product_code_trgm", opclasses=["gin_trgm_ops"]
                    ),
                ),
                migrations.AddIndex(
                    model_name="productcontent",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["title"], name="content_title_trgm", opclasses=["gin_trgm_ops"]
                    ),
                ),
                migrations.AddIndex(
                    model_name="variant",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["sku"], name="variant_sku_trgm", opclasses=["gin_trgm_ops"]
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["-updated_at", "-id"], name="product_updated_id"),
        ),
    ]
