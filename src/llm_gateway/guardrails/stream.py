"""Output guardrail for streamed answers: a held-back sliding window over the token stream.

A secret can arrive split across chunks (``sk-ab`` + ``cdef…``), so text is released only once it
is at least ``holdback`` characters behind the newest token, and never in the middle of a match
that may still grow. Findings whose action is ``mask`` are masked in the released text; one whose
action is ``regenerate`` stops the stream (tokens already sent cannot be taken back, so there is
nothing to regenerate): the clean text before it is released and the caller ends the stream with
an error event. An unfinished match larger than ``max_buffer`` (an endless key block) also stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from llm_gateway.guardrails.output_rules import mask_text
from llm_gateway.guardrails.types import Finding, OutputAction, StreamDecision

Scanner = Callable[[str], list[Finding]]
Masker = Callable[[str, Sequence[Finding]], str]
_CONTEXT_CHARS = 32
# Scanning after every few-character token would rescan the window hundreds of times per
# answer; waiting for this much releasable text cuts the work ~4x for a small delay.
_MIN_RELEASE_CHARS = 16


class StreamGuard:
    """Feed chunks in order, send what ``feed`` returns, call ``finish`` at the end."""

    def __init__(
        self,
        scan: Scanner,
        action_for: Callable[[Finding], OutputAction],
        *,
        holdback: int,
        max_buffer: int,
        masker: Masker = mask_text,
    ) -> None:
        self._scan = scan
        self._mask = masker
        self._action_for = action_for
        self._holdback = holdback
        self._max_buffer = max_buffer
        self._pending = ""
        self._released = 0  # characters of the raw stream already released
        self._context = ""  # the tail of the released text, scanned again for context
        self.stopped = False
        self.findings: list[Finding] = []  # everything acted on so far, spans in stream offsets

    def feed(self, chunk: str) -> StreamDecision:
        """Add ``chunk``; return the text now safe to send (maybe empty) and whether to stop."""
        if self.stopped:
            return StreamDecision("", stop=True)
        self._pending += chunk
        if len(self._pending) - self._holdback < _MIN_RELEASE_CHARS:
            return StreamDecision("")
        found = self._scan_pending()
        blocker = next((f for f in found if self._action_for(f) == "regenerate"), None)
        if blocker is not None:
            return self._stop(found, blocker.span[0], blocker)
        cut = self._safe_cut(found)
        if len(self._pending) - cut > self._max_buffer:
            # Only an unfinished match can hold this much back; releasing it would leak it.
            return self._stop(found, cut, None)
        return self._release(found, cut)

    def finish(self) -> StreamDecision:
        """Release the held-back tail once the answer is complete (checked one last time)."""
        if self.stopped:
            return StreamDecision("", stop=True)
        found = self._scan_pending()
        blocker = next((f for f in found if self._action_for(f) == "regenerate"), None)
        if blocker is not None:
            return self._stop(found, blocker.span[0], blocker)
        return self._release(found, len(self._pending))

    def _scan_pending(self) -> list[Finding]:
        # Released text stays in view as context: "aws_secret_access_key = " may already be out
        # when the key itself arrives.
        context = self._context
        found = self._scan(context + self._pending) if context else self._scan(self._pending)
        if not context:
            return found
        offset = len(context)
        return [_shift(f, -offset, clamp=True) for f in found if f.span[1] > offset]

    def _safe_cut(self, found: list[Finding]) -> int:
        pending = self._pending
        cut = len(pending) - self._holdback
        if cut <= 0:
            return 0
        for finding in found:
            start, end = finding.span
            if start < cut < end:
                cut = start
        # Do not split a word: a token cut in half could be the start of a key.
        if 0 < cut < len(pending) and not pending[cut - 1].isspace() and not pending[cut].isspace():
            space = max(pending.rfind(" ", 0, cut), pending.rfind("\n", 0, cut))
            if space >= 0:
                cut = space + 1
        return cut

    def _release(self, found: list[Finding], cut: int) -> StreamDecision:
        done = [f for f in found if f.span[1] <= cut]
        text = self._mask(self._pending[:cut], done)
        shifted = tuple(_shift(f, self._released) for f in done)
        self.findings.extend(shifted)
        self._context = (self._context + self._pending[:cut])[-_CONTEXT_CHARS:]
        self._pending = self._pending[cut:]
        self._released += cut
        return StreamDecision(text, stop=False, findings=shifted)

    def _stop(self, found: list[Finding], cut: int, blocker: Finding | None) -> StreamDecision:
        decision = self._release(found, cut)
        self.stopped = True
        self._pending = ""
        extra = (_shift(blocker, self._released - cut),) if blocker is not None else ()
        self.findings.extend(extra)
        return StreamDecision(decision.text, stop=True, findings=decision.findings + extra)


def passthrough_guard() -> StreamGuard:
    """A guard that finds nothing and holds back almost nothing (guardrails off or log-only)."""
    return StreamGuard(lambda _text: [], lambda _finding: "mask", holdback=0, max_buffer=1 << 30)


def _shift(finding: Finding, offset: int, *, clamp: bool = False) -> Finding:
    start, end = finding.span
    start, end = start + offset, end + offset
    return Finding(
        rule_id=finding.rule_id,
        category=finding.category,
        span=(max(start, 0) if clamp else start, end),
        label=finding.label,
        score=finding.score,
        excerpt=finding.excerpt,
    )
