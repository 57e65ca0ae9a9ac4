"""The semantic layer: embed the question, find near entries, verify, learn from outcomes.

Only asked after an exact miss, and only inside the request's semantic namespace (tenant +
alias + every parameter, system prompt and earlier turn, so only the last question may differ).
A candidate becomes a hit only if its cosine clears the trained floor AND the verifier's
probability clears the entry's own threshold (``adaptive.py``), never under the alias's
``semantic_min_score``. A prompt in a language outside the alias's ``semantic_languages`` is
neither looked up nor stored here (the exact cache still serves it); nor is small talk
(``small_talk.py``) unless the alias sets ``semantic_small_talk``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.exact import Entry, ExactEntries
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.semantic.adaptive import EvidenceBook, entry_threshold
from llm_gateway.cache.semantic.embed import Embedder, embed_off_loop, embed_one, run_off_loop
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.indexes import NamespaceIndexes
from llm_gateway.cache.semantic.judge import CacheJudge
from llm_gateway.cache.semantic.small_talk import SmallTalkGate
from llm_gateway.cache.semantic.span_check import Embed
from llm_gateway.cache.semantic.span_vectors import SpanVectors
from llm_gateway.cache.semantic.store import CHANNEL, VectorStore
from llm_gateway.cache.semantic.sync import (
    BadMessage,
    SyncMessage,
    decode,
    encode_add,
    encode_del,
    encode_flush,
)
from llm_gateway.cache.semantic.verifier import VerifierModel, prompt_language
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store

_log = get_logger("llm_gateway.cache.semantic")
SAME_ANSWER_COSINE = 0.92  # two answers this close count as "the cached one was right"
CANDIDATES = 4
SKIPPED_LOG_EVERY_S = 60.0  # skipped sync messages: one warning per minute at most (a flood)


@dataclass(frozen=True, slots=True)
class SemanticMatch:
    digest: str
    entry: Entry
    score: float


class SemanticLayer:
    """One per process; a namespace's index is built in the background when first asked for
    (those lookups are misses, ``indexes.py``) and follows pub/sub."""

    def __init__(
        self,
        settings: CacheSettings,
        store: Store,
        embedder: Embedder,
        verifier: VerifierModel,
        judge: CacheJudge | None = None,
        small_talk: SmallTalkGate | None = None,
    ) -> None:
        self.settings = settings
        self.small_talk = small_talk
        self.store = store
        self.vectors = VectorStore(store)
        self.embedder = embedder
        self.verifier = verifier
        self.judge = judge
        self.evidence = EvidenceBook()
        self.span_vectors = SpanVectors(embedder.embed, settings.semantic_span_vectors)
        # The process's counters: ``ResponseCache`` adopts this object (index evictions and
        # skipped sync messages are counted here, away from any request).
        self.counters = CacheCounters()
        # A failed build is retried after the same pause as the cache takes after a store error.
        self.indexes = NamespaceIndexes(
            self.vectors,
            embedder.dim,
            settings.outage_backoff_s,
            max_entries=settings.max_entries_per_namespace,
            budget=settings.semantic_index_budget,
            idle_s=settings.semantic_index_idle_s,
            counters=self.counters,
            max_builds=settings.semantic_max_concurrent_builds,
            index_cost=settings.semantic_index_cost,
        )
        self._listener: asyncio.Task[None] | None = None
        self._origin = uuid.uuid4().hex  # names this instance's flush messages
        self._skipped_logged_at: float | None = None

    # --- cross-instance sync -----------------------------------------------------------------

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="cache-semantic-listener")

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self.indexes.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async with self.store.subscribe(CHANNEL) as messages:
                    self.indexes.clear()  # anything missed while away is reloaded on use
                    async for raw in messages:
                        self._receive(raw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("semantic cache sync lost; retrying", error=str(exc))
                self.indexes.clear()
                await asyncio.sleep(1.0)

    def _receive(self, raw: bytes) -> None:
        """Apply one message; one that cannot be read or applied is skipped (``sync.py``)."""
        try:
            self._apply(decode(raw, self.embedder.dim))
        except BadMessage as exc:
            self._skipped(str(exc))
        except Exception as exc:  # read fine, failed to apply: still one change, not the feed
            self._skipped(repr(exc))

    def _skipped(self, reason: str) -> None:
        self.counters.semantic_sync_skipped += 1
        now = time.monotonic()
        if self._skipped_logged_at is None or now - self._skipped_logged_at >= SKIPPED_LOG_EVERY_S:
            self._skipped_logged_at = now
            total = self.counters.semantic_sync_skipped
            _log.warning("semantic cache sync message skipped", reason=reason, skipped=total)

    def _apply(self, message: SyncMessage) -> None:
        if message.op == "flush":
            # Not our own (already dropped): its echo would also drop a build started since.
            if message.origin != self._origin:
                self.indexes.drop(message.context)
                self.span_vectors.drop(message.context)
        elif message.op == "add":
            self.indexes.change(message.context, "add", message.digest, message.vector)
        else:
            self.indexes.change(message.context, "del", message.digest)
            self.evidence.forget(message.digest)

    # --- the request path --------------------------------------------------------------------

    async def find(
        self, plan: CachePlan, entries: ExactEntries, counters: CacheCounters
    ) -> SemanticMatch | None:
        if plan.context is None or plan.query is None:
            return None
        if not _serves(plan, prompt_language(plan.query)):
            counters.semantic_skipped_language += 1
            return None
        index = self.indexes.ready(plan.context)
        if index is None:
            counters.semantic_index_building += 1  # served upstream; the build runs meanwhile
            return None
        plan.vector = await embed_one(self.embedder, plan.query)
        if self._small_talk(plan, plan.vector):
            counters.semantic_skipped_small_talk += 1
            return None
        bound = plan.spec.error_bound
        floor = plan.spec.semantic_min_score or 0.0
        candidates = await self._candidates(plan.context, plan, index, entries)
        if not candidates:
            return None
        # All candidates in one hop to the embedder's thread: the features are string work
        # (milliseconds, more on long prompts) that must not hold every tenant's event loop.
        pairs = [(cached, cosine, vector) for _, _, cached, cosine, vector in candidates]
        embed = self.span_vectors.for_namespace(plan.namespace)
        args = (self.verifier, plan.query, plan.vector, pairs, embed)
        scored = await run_off_loop(self.embedder, _score_all, *args)
        grey: tuple[str, Entry, float] | None = None
        for (digest, entry, *_), (score, language) in zip(candidates, scored, strict=True):
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

    async def _candidates(
        self, context: str, plan: CachePlan, index: NamespaceIndex, entries: ExactEntries
    ) -> list[tuple[str, Entry, str, float, Any]]:
        """The nearest live entries over the cosine floor, with what the verifier needs."""
        candidates: list[tuple[str, Entry, str, float, Any]] = []
        for digest, cosine in index.search(plan.vector, CANDIDATES):
            if cosine < self.verifier.cosine_floor:
                break
            _, entry = await entries.get(plan.namespace, digest)
            if entry is None or entry.query is None:
                # Expired or flushed: tidy the local index (through ``indexes``: it is counted).
                self.indexes.change(context, "del", digest)
                continue
            # The cached prompt's vector, for the verifier's pair head (if its weights carry one).
            vector = index.vector(digest) if self.verifier.head is not None else None
            candidates.append((digest, entry, entry.query, cosine, vector))
        return candidates

    def _small_talk(self, plan: CachePlan, vector: Any) -> bool:
        """A personal remark the alias does not serve semantically (``small_talk.py``)."""
        return (
            self.small_talk is not None
            and not plan.spec.semantic_small_talk
            and self.small_talk.holds(vector)
        )

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
        if plan.context is None or plan.query is None or plan.generation is None:
            return
        if not _serves(plan, prompt_language(plan.query)):
            return  # stored for exact repeats only (``find`` counted the skip)
        if plan.vector is None:
            plan.vector = await embed_one(self.embedder, plan.query)
        if self._small_talk(plan, plan.vector):
            return  # exact repeats only: no later remark may match it
        # Known full only where built: otherwise stored, and every index (the running build's
        # included) refuses adds past the cap (``indexes.py``).
        if self.indexes.full(plan.context):
            return
        stored = await self.vectors.add(
            plan.context, plan.digest, plan.vector, plan.ttl_s, plan.generation
        )
        if not stored:
            return  # flushed since its lookup: the entry is gone too
        self.indexes.change(plan.context, "add", plan.digest, plan.vector)
        await self.store.publish(CHANNEL, encode_add(plan.context, plan.digest, plan.vector))

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
        self.indexes.change(context, "del", digest)
        self.evidence.forget(digest)
        await self.vectors.remove(context, digest)
        await self.store.publish(CHANNEL, encode_del(context, digest))

    async def flush(self, namespace: str) -> None:
        self.indexes.drop(namespace)
        self.span_vectors.drop(namespace)
        await self.store.publish(CHANNEL, encode_flush(namespace, self._origin))

    def stats(self) -> dict[str, Any]:
        return {"enabled": True, **self.indexes.stats(), **self.span_vectors.stats()}


def _score_all(
    verifier: VerifierModel,
    asked: str,
    asked_vector: Any,
    pairs: list[tuple[str, float, Any]],
    embed: Embed | None = None,
) -> list[tuple[float, str]]:
    """The verifier's (probability, language) for each (cached prompt, cosine, cached vector), on
    the embedder's thread (the candidates' swapped spans embed there, in one call); a vector gone
    leaves the pair head out."""
    candidates = [
        (cached, cosine, None if vector is None else (vector, asked_vector))
        for cached, cosine, vector in pairs
    ]
    if embed is None:
        return verifier.score_all(asked, candidates)
    try:
        return verifier.score_all(asked, candidates, embed)
    except Exception as exc:
        # A failed span embedding must not fail the request: score again without the embedder,
        # as if none were given (a swapped slot vetoed). A failure elsewhere raises again here.
        _log.warning("semantic cache span embedding failed; swapped slots vetoed", error=repr(exc))
        return verifier.score_all(asked, candidates)


def _serves(plan: CachePlan, language: str) -> bool:
    return language in plan.spec.semantic_languages


def _answer_text(response: dict[str, Any]) -> str:
    choices = response.get("choices") or [{}]
    return str((choices[0].get("message") or {}).get("content") or "")
