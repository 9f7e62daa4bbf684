"""The OpenAPI schema names the resources this instance trades (an enum), as the
server refuses any other; the catalog is per instance, so it is filled in here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from matcher.book.resources import ResourceCatalog

_REQUESTS = ("PlaceOrderRequest", "RegisterOfferRequest")


def document_resources(app: FastAPI, catalog: ResourceCatalog) -> None:
    build = app.openapi
    ids = catalog.ids()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.get("components", {}).get("schemas", {})
        for name in _REQUESTS:
            prop = components.get(name, {}).get("properties", {}).get("resource")
            if prop is not None:
                prop["enum"] = ids
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("name") == "resource" and parameter.get("in") == "query":
                        inner = parameter.get("schema", {})
                        for option in inner.get("anyOf", [inner]):
                            if option.get("type") == "string":
                                option["enum"] = ids
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
