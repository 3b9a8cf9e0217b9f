from django.db import migrations, models

# Each product's units available to sell, summed from its stock as the product list used to on every page: on hand
# minus reserved, over its SKUs and the warehouses in use. From here on the inventory services keep it.
BACKFILL = """
UPDATE catalog_product AS product SET available = units.total
FROM (
    SELECT variant.product_id, SUM(stock.on_hand - stock.reserved) AS total
    FROM catalog_stock AS stock
    JOIN catalog_variant AS variant ON variant.id = stock.variant_id
    JOIN catalog_warehouse AS warehouse ON warehouse.id = stock.warehouse_id
    WHERE warehouse.is_active
    GROUP BY variant.product_id
) AS units
WHERE product.id = units.product_id AND units.total <> 0;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0005_leaner_write_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="available",
            field=models.IntegerField(default=0, editable=False, verbose_name="Available"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(condition=models.Q(("available__gte", 0)),
                                              name="product_available_not_negative"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(condition=models.Q(("available", 0)), fields=["-updated_at", "-id"],
                               name="product_out_of_stock"),
        ),
    ]
