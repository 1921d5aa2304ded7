"""A chatbot backend on agentmem's HTTP service: users, API keys, memory and chat.

    python examples/chatbot_backend.py --serve          # http://127.0.0.1:8080, OpenAPI at /docs
    python examples/chatbot_backend.py                  # a scripted client run in-process

The scripted run is what a chatbot frontend would do: store what users tell it, search it,
build a prompt context, and chat through the OpenAI-compatible endpoint (any OpenAI client
works: base_url=http://127.0.0.1:8080/v1, api_key=<key>, user=<user id>).
"""

from __future__ import annotations

import argparse
import tempfile

from agentmem import MemoryConfig
from agentmem.server import create_app

KEYS = {"frontend-key": {"alice", "bob"}, "alice-phone": {"alice"}}


def scripted(app, *, chat: bool) -> None:
    from fastapi.testclient import TestClient

    auth = {"Authorization": "Bearer frontend-key"}
    with TestClient(app) as client:
        for text in ("I live in Lisbon", "I am allergic to peanuts", "My cat is called Miso"):
            client.post(
                "/v1/observe",
                json={"user_id": "alice", "session_id": "web-1", "content": text},
                headers=auth,
            ).raise_for_status()
        client.post(
            "/v1/memories", json={"user_id": "bob", "text": "Bob prefers tea"}, headers=auth
        ).raise_for_status()
        hits = client.post(
            "/v1/search",
            json={"user_id": "alice", "query": "food allergy", "top_k": 2},
            headers=auth,
        ).json()["results"]
        print("search 'food allergy' ->", [(h["text"], round(h["score"], 3)) for h in hits])
        ctx = client.post(
            "/v1/context",
            json={"user_id": "alice", "session_id": "web-1", "query": "what should I cook?"},
            headers=auth,
        ).json()
        print("context system prompt:\n" + ctx["messages"][0]["content"])
        phone = {"Authorization": "Bearer alice-phone"}
        denied = client.get("/v1/memories", params={"user_id": "bob"}, headers=phone)
        print("alice's phone key reading bob's memories ->", denied.status_code)
        if chat:
            reply = client.post(
                "/v1/chat/completions",
                headers=auth,
                json={
                    "model": "agentmem",
                    "user": "alice",
                    "max_tokens": 24,
                    "messages": [{"role": "user", "content": "What is my cat called?"}],
                },
            ).json()
            print("chat ->", reply["choices"][0]["message"]["content"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default=None, help="memory home (default: a temp dir)")
    parser.add_argument("--serve", action="store_true", help="run the service with uvicorn")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--no-chat", action="store_true", help="skip the local model")
    parser.add_argument("--embedding", default="minilm", help="'minilm' or 'hash'")
    args = parser.parse_args(argv)
    config = MemoryConfig.create(
        home=args.home or tempfile.mkdtemp(prefix="chatbot-"), embedding={"model": args.embedding}
    )
    app = create_app(config, api_keys=KEYS)
    if args.serve:
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=args.port)
    else:
        scripted(app, chat=not args.no_chat)


if __name__ == "__main__":
    main()
