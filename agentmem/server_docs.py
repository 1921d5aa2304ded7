"""The service's own documentation: Swagger UI served from the installed package (no CDN, so
`/docs` works on a machine without internet) and a Bearer security scheme in the OpenAPI
spec, so that the page's "Authorize" button and generated clients send the API key."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
ASSETS = "/docs-assets"
OPEN_ROUTES = {"/healthz"}  # the only routes that need no key
SCHEME = "bearerAuth"


def install(app: Any) -> None:
    """`/docs` from local assets, and the Bearer scheme on every route that needs a key.
    The app must be built with `docs_url=None, redoc_url=None`."""
    _local_swagger_ui(app)
    _bearer_spec(app)


def _local_swagger_ui(app: Any) -> None:
    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.staticfiles import StaticFiles

    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        log.warning(
            "swagger-ui-bundle is not installed, so /docs is off; "
            "install it with: pip install 'agentmem[server]'"
        )
        return
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Any:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> Any:
        return get_swagger_ui_oauth2_redirect_html()


def _bearer_spec(app: Any) -> None:
    """Wrap `app.openapi`: the `Authorization` header becomes a declared Bearer scheme."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        spec.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key from api.keys or AGENTMEM_API_KEYS",
        }
        for path, item in spec.get("paths", {}).items():
            for op in item.values():
                if not isinstance(op, dict) or path in OPEN_ROUTES:
                    continue
                params = [
                    p
                    for p in op.get("parameters", [])
                    if not (
                        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
                    )
                ]
                if params:
                    op["parameters"] = params
                else:
                    op.pop("parameters", None)
                op["security"] = [{SCHEME: []}]
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


__all__ = ["install"]
