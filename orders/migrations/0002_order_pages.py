"""The order pages: team notes on an order, each person's saved views of the list, and indexes for the list's
channel and country filters and its buyer search (e-mail equal in any case; name containing, through a trigram
index)."""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models

TRIGRAM = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX order_buyer_name_upper_trgm ON orders_order USING gin ((UPPER(buyer_name::text)) gin_trgm_ops);
    END IF;
END
$$;
"""
TRIGRAM_DROP = "DROP INDEX IF EXISTS order_buyer_name_upper_trgm;"


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0001_initial'),
        ('stores', '0006_store_orders_without_stock_platformtoken'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrderNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=1000, verbose_name='note')),
                ('author_id', models.BigIntegerField(blank=True, null=True, verbose_name='person id')),
                ('author_email', models.CharField(blank=True, max_length=254, verbose_name='person')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
            ],
            options={
                'verbose_name': 'order note',
                'verbose_name_plural': 'order notes',
                'ordering': ['order', '-at', '-id'],
            },
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['channel', '-placed_at', '-id'], name='order_channel_placed'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['ship_country', '-placed_at', '-id'], name='order_country_placed'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(django.db.models.functions.text.Upper('buyer_email'), name='order_buyer_email_upper'),
        ),
        # Built only where pg_trgm is installed (see stores 0005), as the catalog's trigram indexes are.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='order',
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper('buyer_name'), name='gin_trgm_ops'),
                        name='order_buyer_name_upper_trgm'),
                ),
            ],
            database_operations=[migrations.RunSQL(TRIGRAM, reverse_sql=TRIGRAM_DROP)],
        ),
        migrations.AddField(
            model_name='ordernote',
            name='order',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='orders.order', verbose_name='order'),
        ),
        migrations.AddIndex(
            model_name='ordernote',
            index=models.Index(fields=['order', '-at', '-id'], name='ordernote_order_at'),
        ),
        migrations.AddConstraint(
            model_name='ordernote',
            constraint=models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='ordernote_text_not_blank'),
        ),
        migrations.CreateModel(
            name='OrderSavedView',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.BigIntegerField(verbose_name='person id')),
                ('name', models.CharField(max_length=60, verbose_name='name')),
                ('query', models.CharField(blank=True, max_length=1000, verbose_name='filters')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
            ],
            options={
                'verbose_name': 'saved order view',
                'verbose_name_plural': 'saved order views',
                'ordering': ['user_id', 'name'],
                'constraints': [models.UniqueConstraint(fields=('user_id', 'name'), name='ordersavedview_one_name_per_person'), models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='ordersavedview_name_not_blank')],
            },
        ),
    ]
