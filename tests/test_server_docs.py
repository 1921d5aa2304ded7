"""The docs page works offline (every asset it loads is served by the service itself) and the
OpenAPI spec declares the Bearer scheme that the routes enforce."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from agentmem.server import create_app  # noqa: E402


@pytest.fixture
def client(mem):
    with TestClient(create_app(mem, api_keys={"sk-docs": {"lena"}})) as c:
        yield c


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url\s*:\s*["']([^"']+)["']""", page.text)
    assert urls and not [u for u in urls if "://" in u or u.startswith("//")]
    for url in urls:
        fetched = client.get(url)
        assert fetched.status_code == 200 and fetched.content, url
    script = next(u for u in urls if u.endswith(".js"))
    assert "SwaggerUIBundle" in client.get(script).text


def test_spec_declares_bearer_auth_on_guarded_routes(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    (name,) = [k for k, v in schemes.items() if v == {**v, "type": "http", "scheme": "bearer"}]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            headers = [p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"]
            assert "authorization" not in headers, (method, path)
            guarded = client.request(method.upper(), path.replace("{", "x").replace("}", ""))
            if guarded.status_code == 401:
                assert op.get("security") == [{name: []}], (method, path)
    assert "security" not in spec["paths"]["/healthz"]["get"]
    auth = {"Authorization": "Bearer sk-docs"}
    assert client.get("/v1/memories?user_id=lena", headers=auth).status_code == 200
