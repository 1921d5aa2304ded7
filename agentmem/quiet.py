"""A quiet terminal: model loading without progress bars, advisory warnings or library logs.

agentmem loads models for the user (the embedder, the local LLM, LoRA bases); what the
libraries print while doing so (transformers' "Loading weights" bars, FutureWarnings, info
logs) means nothing to the user and lands between a prompt and a reply. `loading()` wraps
each load; `quiet_process()` is for programs agentmem runs (the CLI) and is called before
those libraries are imported. Set AGENTMEM_DEBUG=1 (the CLI's `--debug`) to see it all.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator

DEBUG_ENV = "AGENTMEM_DEBUG"
LIBRARIES = (
    "transformers",
    "sentence_transformers",
    "huggingface_hub",
    "peft",
    "torch",
    "chromadb",
    "httpx",
    "httpcore",
    "urllib3",
    "onnxruntime",
    "accelerate",
    "mcp",
)


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0", "false", "False")


def quiet_process(debug: bool = False) -> None:
    """For a whole program: library chatter off unless `debug` (then on, with tracebacks)."""
    if debug:
        os.environ[DEBUG_ENV] = "1"
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return
    # read by these libraries when they are imported, which has not happened yet
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    # plain tqdm bars (transformers' GGUF conversion) ignore the switches above
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR)
    if not sys.warnoptions:  # a user's own -W flags win
        for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"(torch|transformers|peft)")


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Around a model load inside any program: no progress bars or advisory warnings from
    transformers, restored afterwards."""
    if debugging():
        yield
        return
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        hf_logging = None
    bars = hf_logging.is_progress_bar_enabled() if hf_logging else False
    level = hf_logging.get_verbosity() if hf_logging else None
    if hf_logging:
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    plain = _plain_bars_off() if hf_logging else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        for module, bar in plain.items():
            module.tqdm = bar
        if hf_logging:
            hf_logging.set_verbosity(level)
            if bars:
                hf_logging.enable_progress_bar()


# transformers modules that draw plain tqdm bars, which its progress-bar switch does not reach
# (TQDM_DISABLE works only when set before tqdm is imported, as `quiet_process` does)
_PLAIN_BAR_MODULES = ("transformers.modeling_gguf_pytorch_utils",)


def _plain_bars_off() -> dict:
    """Silence those modules' bars; returns {module: its own tqdm} to restore."""
    import importlib

    saved = {}
    for name in _PLAIN_BAR_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional part of transformers that is not installed
            continue
        bar = getattr(module, "tqdm", None)
        if bar is not None:
            saved[module] = bar
            module.tqdm = functools.partial(bar, disable=True)
    return saved


_active: list = []  # the one rich Progress on screen; nested tasks join it


@contextlib.contextmanager
def task(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """Long work as one progress bar on stderr, when stderr is a terminal: a bar with the
    time left when `total` steps are known, else a spinner with the time spent. Yields
    `advance(n=1)`; the bar disappears when the work ends."""
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    owner = not _active
    if owner:
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
        columns += [
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        ]
        _active.append(Progress(*columns, console=Console(stderr=True), transient=True))
        _active[0].start()
    progress = _active[0]
    task_id = progress.add_task(description, total=total)
    try:
        yield lambda n=1: progress.advance(task_id, n)
    finally:
        progress.remove_task(task_id)
        if owner:
            progress.stop()
            _active.clear()


__all__ = ["DEBUG_ENV", "debugging", "loading", "quiet_process", "task"]
