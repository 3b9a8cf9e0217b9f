"""The default connection as the tests use it: django-tenants gives it the active schema and the calls that switch
it, which the Django stubs do not know. The very same object as ``django.db.connection``, only typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection as _connection

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from stores.models import Store

    class TenantConnection(BaseDatabaseWrapper):
        schema_name: str
        tenant: Store

        def set_tenant(self, tenant: Store, include_public: bool = True) -> None: ...
        def set_schema(self, schema_name: str, include_public: bool = True, tenant_type: str | None = None) -> None: ...
        def set_schema_to_public(self) -> None: ...


connection = cast("TenantConnection", _connection)
