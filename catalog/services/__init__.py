"""Writes to the catalog, split by sub-domain: products, listings, inventory."""
