"""Streaming responses that cannot leave a generation running or a lock held."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
from fastapi.responses import StreamingResponse


class ClosingStream(StreamingResponse):
    """Server-sent events from a blocking generator, one step per worker-thread call.

    However the response ends (the last event, a client that hung up, a server shutting
    down and cancelling it), the generator is closed before the response returns: the
    chat generation stops and releases the model's lock instead of waiting, suspended and
    holding it, for the garbage collector."""

    def __init__(self, events: Generator[str, None, None]) -> None:
        self._events = events
        super().__init__(self._pump(), media_type="text/event-stream")

    async def _pump(self) -> AsyncIterator[str]:
        while True:
            # not abandoned on cancellation: the step finishes before the generator is closed
            event = await anyio.to_thread.run_sync(next, self._events, None)
            if event is None:
                return
            yield event

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
                await anyio.to_thread.run_sync(self._events.close)


__all__ = ["ClosingStream"]
