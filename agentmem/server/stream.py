"""Streaming responses that cannot leave a generation running or a lock held."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fastapi.responses import StreamingResponse


class ClosingStream(StreamingResponse):
    """Server-sent events from a blocking generator, one step per call on a thread of its own.

    However the response ends (the last event, a client that hung up, a server shutting
    down and cancelling it), the generator is closed before the response returns: the
    chat generation stops and releases the model's lock instead of waiting, suspended and
    holding it, for the garbage collector.

    Every step and the final close run in order on one thread that belongs to this
    response, so the close always comes after the step in flight, never beside it. The
    close is awaited through repeated cancellation: a server that stops cancels its tasks
    once when its graceful timeout ends and again when its event loop shuts down, and a
    cancel scope's shield does not hold against the second (a native `Task.cancel`)."""

    def __init__(self, events: Generator[str, None, None]) -> None:
        self._events = events
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentmem-stream")
        super().__init__(self._pump(), media_type="text/event-stream")

    async def _pump(self) -> AsyncIterator[str]:
        while True:
            event = await asyncio.wrap_future(self._lane.submit(next, self._events, None))
            if event is None:
                return
            yield event

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await _finish(self._lane.submit(self._events.close))
            finally:
                self._lane.shutdown(wait=False)  # its thread ends once the close has run


async def _finish(job: Future) -> None:
    """Wait for `job` to end, however often this task is cancelled meanwhile; a cancel
    that arrived is raised again once it has ended."""
    cancelled = False
    waiting = asyncio.wrap_future(job)
    while True:
        try:
            await asyncio.shield(waiting)
            break
        except asyncio.CancelledError:
            if waiting.done():
                break
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    waiting.result()  # the close's own error, if it raised one


__all__ = ["ClosingStream"]
