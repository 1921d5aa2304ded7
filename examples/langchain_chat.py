"""agentmem inside LangChain: chat history, retriever, vector store and a chat model.

python examples/langchain_chat.py               # everything, with the local model
python examples/langchain_chat.py --no-model    # stores and retrieval only
"""

from __future__ import annotations

import argparse
import tempfile

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage

from agentmem import Memory, Scope
from agentmem.adapters.langchain import (
    AgentMemChatMessageHistory,
    AgentMemRetriever,
    AgentMemStore,
    AgentMemVectorStore,
    ChatAgentMem,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default=None, help="memory home (default: a temp dir)")
    parser.add_argument("--no-model", action="store_true", help="skip the local chat model")
    parser.add_argument("--embedding", default="minilm", help="'minilm' or 'hash'")
    args = parser.parse_args(argv)
    scope = Scope(user_id="alice", session_id="langchain-demo")
    with Memory(
        home=args.home or tempfile.mkdtemp(prefix="lc-"), embedding={"model": args.embedding}
    ) as mem:
        history = AgentMemChatMessageHistory(memory=mem, scope=scope)
        history.add_messages(
            [
                HumanMessage("Hi, I'm Alice and I live in Lisbon."),
                AIMessage("Hello Alice!"),
                HumanMessage("My dog is called Rex."),
            ]
        )
        print("history:", [f"{m.type}: {m.content}" for m in history.messages])

        docs = AgentMemVectorStore(memory=mem, scope=scope, namespace="handbook")
        docs.add_documents(
            [
                Document("Dogs need a walk twice a day.", id="dogs"),
                Document("Lisbon trams run until midnight.", id="trams"),
            ]
        )
        print("vector store:", [d.id for d in docs.similarity_search("walking a dog", k=1)])

        store = AgentMemStore(memory=mem, scope=scope)
        store.mset([("preferences", {"units": "metric", "language": "pt"})])
        print("store:", store.mget(["preferences"]))

        retriever = AgentMemRetriever(memory=mem, scope=Scope(user_id="alice"), k=3)
        print("retriever:", [d.page_content for d in retriever.invoke("what is my dog's name?")])

        if not args.no_model:
            chat = ChatAgentMem(memory=mem, scope=scope, max_tokens=32)
            reply = chat.invoke([HumanMessage("What is my dog called?")])
            print("chat model:", reply.content)


if __name__ == "__main__":
    main()
