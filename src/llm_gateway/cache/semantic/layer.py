"""The semantic layer: embed the question, find near entries, verify, learn from outcomes.

Only asked after an exact miss, and only inside the request's semantic namespace (tenant +
alias + every parameter, system prompt and earlier turn, so only the last question may differ).
A candidate becomes a hit only if its cosine clears the trained floor AND the verifier's
probability clears the entry's own threshold (``adaptive.py``), never under the alias's
``semantic_min_score``. A prompt in a language outside the alias's ``semantic_languages`` is
neither looked up nor stored here (the exact cache still serves it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.exact import Entry, ExactEntries
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.semantic.adaptive import EvidenceBook, entry_threshold
from llm_gateway.cache.semantic.embed import Embedder, embed_off_loop, embed_one, run_off_loop
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.judge import CacheJudge
from llm_gateway.cache.semantic.store import CHANNEL, VectorStore, pack, unpack
from llm_gateway.cache.semantic.verifier import VerifierModel, prompt_language
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store

_log = get_logger("llm_gateway.cache.semantic")
SAME_ANSWER_COSINE = 0.92  # two answers this close count as "the cached one was right"
CANDIDATES = 4


@dataclass(frozen=True, slots=True)
class SemanticMatch:
    digest: str
    entry: Entry
    score: float


class SemanticLayer:
    """One per process; indexes are built lazily per namespace and follow pub/sub."""

    def __init__(
        self,
        settings: CacheSettings,
        store: Store,
        embedder: Embedder,
        verifier: VerifierModel,
        judge: CacheJudge | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.vectors = VectorStore(store)
        self.embedder = embedder
        self.verifier = verifier
        self.judge = judge
        self.evidence = EvidenceBook()
        self._indexes: dict[str, NamespaceIndex] = {}
        self._loading: dict[str, asyncio.Task[NamespaceIndex]] = {}
        self._listener: asyncio.Task[None] | None = None

    # --- cross-instance sync -----------------------------------------------------------------

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="cache-semantic-listener")

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.store.subscribe(CHANNEL) as messages:
                    self._indexes.clear()  # anything missed while away is reloaded on use
                    async for raw in messages:
                        self._apply(orjson.loads(raw))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("semantic cache sync lost; retrying", error=str(exc))
                self._indexes.clear()
                await asyncio.sleep(1.0)

    def _apply(self, message: dict[str, Any]) -> None:
        op, context = message.get("op"), str(message.get("ctx", ""))
        if op == "flush":
            for name in [c for c in self._indexes if c.startswith(context + "|")]:
                del self._indexes[name]
            return
        index = self._indexes.get(context)
        if index is None:
            return  # not loaded here: it will load from the store when first used
        digest = str(message.get("d"))
        if op == "add":
            index.add(digest, unpack(bytes.fromhex(str(message.get("v")))))
        elif op == "del":
            index.remove(digest)
            self.evidence.forget(digest)

    async def _index(self, context: str) -> NamespaceIndex:
        index = self._indexes.get(context)
        if index is not None:
            return index
        task = self._loading.get(context)
        if task is None:
            task = asyncio.ensure_future(self._load(context))
            self._loading[context] = task
        try:
            return await asyncio.shield(task)
        finally:
            self._loading.pop(context, None)

    async def _load(self, context: str) -> NamespaceIndex:
        digests, vectors = await self.vectors.load(context)
        index = NamespaceIndex(self.embedder.dim)
        if digests:
            # A namespace's stored entries (up to 100k) are indexed on a thread, off the loop.
            await asyncio.to_thread(index.add_many, digests, vectors)
        self._indexes[context] = index
        return index

    # --- the request path --------------------------------------------------------------------

    async def find(
        self, plan: CachePlan, entries: ExactEntries, counters: CacheCounters
    ) -> SemanticMatch | None:
        if plan.context is None or plan.query is None:
            return None
        if not _serves(plan, prompt_language(plan.query)):
            counters.semantic_skipped_language += 1
            return None
        plan.vector = await embed_one(self.embedder, plan.query)
        index = await self._index(plan.context)
        bound = plan.spec.error_bound
        floor = plan.spec.semantic_min_score or 0.0
        candidates: list[tuple[str, Entry, str, float]] = []
        for digest, cosine in index.search(plan.vector, CANDIDATES):
            if cosine < self.verifier.cosine_floor:
                break
            _, entry = await entries.get(plan.namespace, digest)
            if entry is None or entry.query is None:
                index.remove(digest)  # expired or flushed: tidy the local index
                continue
            candidates.append((digest, entry, entry.query, cosine))
        if not candidates:
            return None
        # All candidates in one hop to the embedder's thread: the features are string work
        # (milliseconds, more on long prompts) that must not hold every tenant's event loop.
        pairs = [(cached, cosine) for _, _, cached, cosine in candidates]
        scored = await run_off_loop(self.embedder, _score_all, self.verifier, plan.query, pairs)
        grey: tuple[str, Entry, float] | None = None
        for (digest, entry, _, _), (score, language) in zip(candidates, scored, strict=True):
            if not _serves(plan, language):
                continue  # a Korean entry stored before the alias dropped "ko"
            trained = max(self.verifier.threshold(language), floor)
            # The entry's evidence may lower its threshold, but never under the alias's floor.
            threshold = max(entry_threshold(self.evidence.get(digest), trained, bound), floor)
            if score >= threshold:
                return SemanticMatch(digest, entry, score)
            if score >= trained:
                counters.threshold_rejections += 1  # this entry's own evidence said no
            else:
                counters.verifier_rejections += 1
            if plan.candidate is None:
                plan.candidate = (digest, score)
            if grey is None and score > 0 and score >= threshold - self.settings.judge_band:
                grey = (digest, entry, score)  # no veto fired, just under: the judge may look
        if grey is not None and self.judge is not None:
            return await self._ask_judge(self.judge, plan.query, grey, counters)
        return None

    @staticmethod
    async def _ask_judge(
        judge: CacheJudge, query: str, grey: tuple[str, Entry, float], counters: CacheCounters
    ) -> SemanticMatch | None:
        """One small-model call for the best grey-zone candidate; None keeps the miss."""
        digest, entry, score = grey
        counters.judge_calls += 1
        verdict = await judge.same(entry.query or "", query)
        if verdict is None:
            counters.judge_fallbacks += 1
            return None
        if verdict:
            counters.judge_hits += 1
            return SemanticMatch(digest, entry, score)
        return None

    async def add(self, plan: CachePlan, entry: Entry) -> None:
        if plan.context is None or plan.query is None:
            return
        if not _serves(plan, prompt_language(plan.query)):
            return  # stored for exact repeats only (``find`` counted the skip)
        if plan.vector is None:
            plan.vector = await embed_one(self.embedder, plan.query)
        index = await self._index(plan.context)
        if len(index) >= self.settings.max_entries_per_namespace:
            return
        await self.vectors.add(plan.context, plan.digest, plan.vector, plan.ttl_s)
        index.add(plan.digest, plan.vector)
        message = {"op": "add", "ctx": plan.context, "d": plan.digest, "v": pack(plan.vector).hex()}
        await self.store.publish(CHANNEL, orjson.dumps(message))

    async def learn(self, plan: CachePlan, fresh: dict[str, Any], entries: ExactEntries) -> None:
        """A near miss went upstream: was the cached answer the same? Record it for the entry."""
        if plan.candidate is None:
            return
        digest, score = plan.candidate
        _, entry = await entries.get(plan.namespace, digest)
        if entry is None:
            return
        cached_text, fresh_text = _answer_text(entry.response), _answer_text(fresh)
        if not cached_text or not fresh_text:
            return
        same = cached_text.strip() == fresh_text.strip()
        if not same:
            vectors = await embed_off_loop(self.embedder, [cached_text, fresh_text])
            same = float(np.dot(vectors[0], vectors[1])) >= SAME_ANSWER_COSINE
        self.evidence.observe(digest, score, same)

    async def forget(self, context: str, digest: str) -> None:
        """Remove an entry from every instance's index (a flagged wrong answer)."""
        index = self._indexes.get(context)
        if index is not None:
            index.remove(digest)
        self.evidence.forget(digest)
        await self.vectors.remove(context, digest)
        message = {"op": "del", "ctx": context, "d": digest}
        await self.store.publish(CHANNEL, orjson.dumps(message))

    async def flush(self, namespace: str) -> None:
        for name in [c for c in self._indexes if c.startswith(namespace + "|")]:
            del self._indexes[name]
        await self.store.publish(CHANNEL, orjson.dumps({"op": "flush", "ctx": namespace}))

    def stats(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "namespaces_loaded": len(self._indexes),
            "entries_loaded": sum(len(i) for i in self._indexes.values()),
        }


def _score_all(
    verifier: VerifierModel, asked: str, pairs: list[tuple[str, float]]
) -> list[tuple[float, str]]:
    """The verifier's (probability, language) for each (cached prompt, cosine); off the loop."""
    return [verifier.score(cached, asked, cosine) for cached, cosine in pairs]


def _serves(plan: CachePlan, language: str) -> bool:
    return language in plan.spec.semantic_languages


def _answer_text(response: dict[str, Any]) -> str:
    choices = response.get("choices") or [{}]
    return str((choices[0].get("message") or {}).get("content") or "")
