from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Trigram search (SKU, GTIN and title "contains" lookups on indexes) for every store's catalog.
    The extension lives in the public schema, which is on every store's search path."""

    dependencies = [("stores", "0004_category")]

    operations = [TrigramExtension()]
