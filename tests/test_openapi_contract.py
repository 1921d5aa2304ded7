"""The OpenAPI spec is the contract: schemathesis generates requests from it (valid and
invalid) and checks every answer against it -- no 5xx, every status and body documented,
the error body `{"error": ...}` as sent. The chat routes need the language model and are
left out here (tests/test_server_uvicorn.py covers them); the hash embedder keeps it fast.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from agentmem import Memory  # noqa: E402
from agentmem.server import create_app  # noqa: E402
from agentmem.short_term import word_counter  # noqa: E402

KEY = "contract-key"


def _service():
    """A Memory in a temporary home and its app: built at import, since schemathesis reads
    the spec when the tests are collected."""
    home = tempfile.mkdtemp(prefix="agentmem-contract-")
    mem = Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter)
    for text in ("Rosa collects tin toys", "the tram leaves at 7:40"):
        mem.add(text, "rosa")
    return home, mem, create_app(mem, api_keys={KEY: {"*"}})


HOME, MEMORY, APP = _service()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(tag="chat")


@pytest.fixture(scope="module", autouse=True)
def _close_memory():
    yield
    MEMORY.close()
    shutil.rmtree(HOME, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_spec(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})


def test_every_error_status_is_documented_with_the_real_body():
    spec = APP.openapi()
    body = spec["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path == "/healthz":
                continue
            for status in ("400", "401", "403", "413", "422"):
                assert status in responses, (method, path, status)
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, status)
            if "{" in path:
                assert "404" in responses, (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]
