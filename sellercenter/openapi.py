"""The platform API's OpenAPI document, made from the list of its operations: each route is declared once, and
both the URL patterns and the document come from that declaration, with the payloads' own field definitions."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path

from .platform_api import Object

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Why a request was refused.",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code: invalid, invalid_json, unauthorized, "
                                                   "not_found, method_not_allowed, conflict, invalid_transition, "
                                                   "store_suspended."},
        "message": {"type": "string", "description": "A sentence for people, in the language of Accept-Language."},
        "fields": {"type": "object", "description": "Every problem of the payload, by path of the field "
                                                    "(lines[0].quantity); only with the error invalid.",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}


@dataclass(frozen=True)
class Operation:
    """One route of the API: its URL (Django syntax), the view, and what the document says about it."""

    name: str
    method: str
    route: str
    view: Callable[..., HttpResponse]
    summary: str
    payload: Object | None = None
    result: Object | None = None
    responses: dict[int, str] = field(default_factory=dict)
    parameters: Sequence[tuple[str, str]] = ()
    authenticated: bool = True

    def url_pattern(self) -> URLPattern:
        return path(self.route, self.view, name=self.name)

    @property
    def openapi_path(self) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def openapi_document(*, title: str, version: str, base_path: str, description: str,
                     operations: Sequence[Operation]) -> dict[str, Any]:
    """An OpenAPI 3.1 document of these operations, built from the same fields that validate their payloads.
    Paths are relative to ``base_path``, the document's one server."""
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        entry: dict[str, Any] = {"operationId": operation.name, "summary": operation.summary}
        if operation.parameters:
            entry["parameters"] = [
                {"name": name, "in": "path", "required": True, "description": text, "schema": {"type": "string"}}
                for name, text in operation.parameters
            ]
        if operation.payload is not None:
            schemas[operation.payload.title] = operation.payload.schema()
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{operation.payload.title}"},
                "example": operation.payload.sample(),
            }}}
        responses: dict[str, Any] = {}
        for status, text in sorted(operation.responses.items()):
            target: str | None = "Error" if status >= 400 else None
            if status < 300 and operation.result is not None:
                schemas[operation.result.title] = operation.result.schema()
                target = operation.result.title
            responses[str(status)] = {"description": text}
            if target:
                responses[str(status)]["content"] = {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{target}"}}}
        entry["responses"] = responses
        entry["security"] = [{"platformToken": []}] if operation.authenticated else []
        paths.setdefault(operation.openapi_path, {})[operation.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": base_path.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"platformToken": {
                "type": "http", "scheme": "bearer",
                "description": "A platform API token, created in the platform admin for one store.",
            }},
        },
    }
