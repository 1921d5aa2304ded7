"""The one LangChain call site: prompts and chat messages in, the reply's text out."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langchain_core")  # the langchain extra, not an in-tree module

from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402

from agentmem.adapters.chat_models import complete  # noqa: E402


class _Echo(BaseChatModel):
    """Answers with the LangChain type of every message it was given, or a fixed content."""

    content: Any = None

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        reply = self.content if self.content is not None else " ".join(m.type for m in messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


def test_chat_messages_reach_the_model_in_langchain_roles():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where does Oskar live?"},
        {"role": "assistant", "content": "In Tromsø."},
        {"role": "user", "content": "Since when?"},
    ]
    assert complete(_Echo(), messages) == "system human ai human"
    assert complete(_Echo(), "Classify this pair.") == "human"


def test_a_reply_of_content_blocks_gives_the_text_of_its_text_blocks():
    blocks = [
        {"type": "text", "text": "Oskar lives "},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "in Tromsø."},
    ]
    assert complete(_Echo(content=blocks), "Where?") == "Oskar lives in Tromsø."
