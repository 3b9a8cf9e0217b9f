"""``field__ilike_contains=text``: a case-insensitive "contains" that the catalog's trigram indexes can serve.

Django's ``icontains`` compiles to ``UPPER(field) LIKE UPPER('%text%')`` on PostgreSQL, which a ``gin_trgm_ops``
index on the plain column does not serve, so a search over 100,000 titles scans them all. This lookup compiles
to ``field ILIKE '%text%'`` (LIKE's wildcards in the text escaped), which the index serves, for Chinese and
Japanese titles too. Registered on CharField and TextField when this module is imported (catalog.selectors)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup, TextField


@CharField.register_lookup
@TextField.register_lookup
class ILikeContains(Lookup):
    lookup_name = "ilike_contains"

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, tuple[str]]:
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", (f"%{escaped}%",)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)
