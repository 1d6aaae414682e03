"""The state-changing routes, read from the code: every URL pattern Django resolves whose view
accepts POST (from its `require_http_methods` list, a class-based view's handlers, or no list
at all — then it answers every method) and every operation of the JSON API that is not a read
(from its OpenAPI document). The matrix must have a row, or a reasoned exemption, for each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ANY = frozenset({"*"})  # a view with no method list answers POST as it answers GET
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" for pages, "METHOD /api/v1/path" for the API
    pattern: str
    methods: frozenset[str]

    @property
    def accepts_post(self) -> bool:
        return self.methods is ANY or bool(self.methods & WRITES)


def _methods(view: Callable[..., Any]) -> frozenset[str]:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return frozenset(m.upper() for m in view_class.http_method_names if hasattr(view_class, m))
    # `require_http_methods(list)` keeps the list in its closure; decorators made with
    # `functools.wraps` lead to the function beneath through `__wrapped__`.
    function: Any = view
    while function is not None:
        for cell in getattr(function, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(m, str) and m.isupper() for m in value)
            ):
                return frozenset(value)
        function = getattr(function, "__wrapped__", None)
    return ANY


def _walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, prefix + str(entry.pattern), spaces)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name or str(entry.pattern)))
            yield Route(name, prefix + str(entry.pattern), _methods(entry.callback))


def page_routes() -> list[Route]:
    """Every page route but the JSON API's (django-ninja's views take every method and
    dispatch inside; its operations come from its OpenAPI document)."""
    return [
        route for route in _walk(get_resolver(), "/", ()) if not route.pattern.startswith("/api/")
    ]


def api_routes() -> list[Route]:
    from motcua.api import api

    schema = api.get_openapi_schema()
    return [
        Route(f"{method.upper()} {path}", path, frozenset({method.upper()}))
        for path, operations in schema["paths"].items()
        for method in operations
    ]


def state_changing_routes() -> list[Route]:
    return [route for route in page_routes() + api_routes() if route.accepts_post]
