"""The service's own documentation: Swagger UI served from the installed package (no CDN, so
`/docs` works on a machine without internet)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
ASSETS = "/docs-assets"


def install(app: Any) -> None:
    """`/docs` from local assets. The app must be built with `docs_url=None, redoc_url=None`.
    (The Bearer scheme comes from the routes' key dependency, `auth.allowed_users`.)"""
    _local_swagger_ui(app)


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


__all__ = ["install"]
