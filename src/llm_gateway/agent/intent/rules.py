"""The intent fast pass: guardrail verdict, exact rules, then the shipped classifier.

Rules decide only where they are exact: the input guardrail blocked the prompt; the prompt is
a bare arithmetic expression; a fenced code block comes with a plain request to run it (and no
"don't run"); a prompt that says not to run the code never goes to the executor. Everything
else is the classifier's calibrated guess. The analyzer trusts the guess alone at or above its
threshold and asks the intent LLM below it, keeping the guess as the fallback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import structlog

from llm_gateway.agent.intent.classifier import IntentClassifier
from llm_gateway.agent.intent.features import CODE_BLOCK, COMPLEX_CUES, SIMPLE_CUES, detect_language
from llm_gateway.agent.intent.types import DANGEROUS, GENERAL, TOOL_PREFIX, Complexity, IntentResult
from llm_gateway.guardrails import Verdict

logger = structlog.get_logger(__name__)

BLOCKED = 0.97  # the input guardrail blocked it
EXACT = 0.95  # an exact rule matched
EMPTY = 0.9  # nothing to judge: no model would do better
# A tool guess with this much "dangerous" probability is never confident, and its fallback is
# not the tool: a harmful request must not reach a tool because it resembles a tool request.
DANGER_GUARD = 0.15
UNSURE = 0.5

# "12*(3+4)", "what is 2^10?", "= 17 % 5": digits and operators only, at least one operator.
_ARITHMETIC = re.compile(
    r"=?\s*(?:what(?:'s| is)|calculate|compute|evaluate)?\s*[(\s]*-?\d[\d,]*(?:\.\d+)?"
    r"(?:\s*(?:[-+*/×÷^%]|\*\*)\s*[(\s]*-?\d[\d,]*(?:\.\d+)?\s*\)*)+\s*=?\s*\??",
    re.IGNORECASE,
)
_FENCED = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_RUN_REQUEST = re.compile(
    r"\b(?:run|execute)\b (?:this|it|the (?:code|script|snippet|following|program))\b|"
    r"실행해|돌려 ?(?:봐|줘)",
    re.IGNORECASE,
)
_DONT_RUN = re.compile(
    r"\b(?:don'?t|do not|never|without|no need to|not)\b.{0,20}\b(?:run|execut)|"
    r"실행하지|돌리지|실행 ?(?:말|없이|안)|돌릴 ?필요",
    re.IGNORECASE,
)


def estimate_complexity(text: str) -> Complexity:
    """``complex`` for code blocks, long prompts, or multi-step/analysis cues."""
    folded = text.casefold()
    score = 0.0
    if CODE_BLOCK.search(text) and "```" in text:
        score += 0.5
    length = len(folded)
    # Hangul/CJK carry more per character; past 320 characters the answer is known without
    # counting them (a per-character loop over a pasted document is not free).
    wide = sum(1 for ch in folded if ord(ch) > 0x2E7F) if length <= 320 else 0
    effective = length + wide
    score += 1.0 if effective > 320 else 0.5 if effective > 140 else 0.0
    if COMPLEX_CUES.search(folded):
        score += 1.0
    if SIMPLE_CUES.search(folded):
        score -= 1.0
    return "complex" if score >= 1.0 else "simple"


def exact_rule(text: str) -> tuple[str, str] | None:
    """``(label, reason)`` when an exact rule applies, else None."""
    stripped = text.strip()
    if len(stripped) <= 200 and _ARITHMETIC.fullmatch(stripped):
        return TOOL_PREFIX + "calculator", "bare arithmetic expression"
    if "```" in text:
        outside = _FENCED.sub(" ", text)
        if _RUN_REQUEST.search(outside) and not _DONT_RUN.search(outside):
            return TOOL_PREFIX + "code_executor", "fenced code with a request to run it"
    return None


def forbids_running(text: str) -> bool:
    """The user says not to run the code ("don't run it", "실행하지 말고"): never the executor."""
    return _DONT_RUN.search(_FENCED.sub(" ", text)) is not None


Embed = Callable[[str], Sequence[float]]


class FastPass:
    """Guardrail verdict, exact rules, then the classifier, over the latest user message.

    ``embed``: the embedder behind the classifier's second opinion (``refine``); None turns the
    second opinion off.
    """

    def __init__(
        self, tool_names: Sequence[str], classifier: IntentClassifier, embed: Embed | None = None
    ) -> None:
        self.tool_names = frozenset(tool_names)
        self.allowed = frozenset({GENERAL, DANGEROUS, *(TOOL_PREFIX + t for t in self.tool_names)})
        self.classifier = classifier
        self.embed = embed if classifier.embedding is not None else None

    def decide(self, text: str, verdict: Verdict | None = None) -> IntentResult:
        """The best local guess for ``text`` (the latest user message), n-grams only."""
        language = detect_language(text)
        complexity = estimate_complexity(text)
        if verdict is not None and verdict.action == "block":
            rules = ", ".join(verdict.rule_ids[:3])
            return IntentResult(
                DANGEROUS, complexity, language, BLOCKED, f"input guardrail: {rules}", "rules"
            )
        if not text.strip():
            return IntentResult(GENERAL, "simple", language, EMPTY, "empty", "rules")
        exact = exact_rule(text)
        if exact is not None and exact[0] in self.allowed:
            return IntentResult(exact[0], complexity, language, EXACT, exact[1], "rules")
        prediction = self.classifier.predict(text)
        reason = f"classifier coverage {prediction.coverage:.2f}"
        return self._judge(text, prediction.probabilities, reason, complexity, language)

    def refine(self, text: str, guess: IntentResult, *, harm_only: bool = False) -> IntentResult:
        """A classifier guess with the embedding head's opinion blended in (blocking: the first
        call loads the embedder). ``harm_only``: keep the guess unless either opinion sees harm
        (for confident tool guesses). Rule decisions, and everything without an embedder, pass."""
        head = self.classifier.embedding
        if guess.source != "classifier" or head is None or self.embed is None:
            return guess
        try:
            vector = self.embed(text)
        except Exception as exc:  # a broken embedder must not fail the run: keep the n-grams
            logger.warning("intent_embedder_failed", error=type(exc).__name__)
            return guess
        prediction = self.classifier.predict(text)
        probs = head.blend(prediction.probabilities, vector)
        # Either opinion's harm signal keeps tools away: the blend may not talk it down.
        harm = max(
            prediction.restricted(self.allowed).get(DANGEROUS, 0.0),
            math.exp(head.log_probs(vector)[head.labels.index(DANGEROUS)]),
        )
        if harm_only:
            if guess.tool is None or harm < DANGER_GUARD:
                return guess
            reason = f"{guess.reason}; e5 harm signal p={harm:.2f}, not routed to a tool"
            confidence = min(guess.confidence, UNSURE)
            return guess.replace(
                label=GENERAL, confidence=confidence, reason=reason, withhold_tools=True
            )
        reason = f"classifier + e5 coverage {prediction.coverage:.2f}"
        result = self._judge(text, probs, reason, guess.complexity, guess.language, harm)
        if prediction.coverage < self.classifier.full_coverage_at:
            # Text the n-grams barely know: the embedding may pick the label, never confidently.
            confidence = min(result.confidence, UNSURE)
            result = result.replace(confidence=confidence, reason=f"{result.reason}; unfamiliar")
        return result

    def _judge(
        self,
        text: str,
        probabilities: dict[str, float],
        reason: str,
        complexity: Complexity,
        language: str,
        harm: float = 0.0,
    ) -> IntentResult:
        """The calibration rules over a distribution: only offered tools, no executor when told
        not to run, and never a tool while the harm signal (``harm`` or this one) is real."""
        allowed = self.allowed
        if forbids_running(text):
            allowed = allowed - {TOOL_PREFIX + "code_executor"}
        kept = {k: v for k, v in probabilities.items() if k in allowed}
        total = sum(kept.values()) or 1.0
        probs = {k: v / total for k, v in kept.items()}
        label = max(probs, key=probs.__getitem__)
        confidence = probs[label]
        reason = f"{reason}, p={confidence:.2f}"
        harm = max(harm, probs[DANGEROUS])
        withhold = label.startswith(TOOL_PREFIX) and harm >= DANGER_GUARD
        if withhold:
            label, confidence = GENERAL, min(confidence, UNSURE)
            reason = f"{reason}; harm signal p={harm:.2f}, no tool"
        return IntentResult(
            label, complexity, language, round(confidence, 4), reason, "classifier", withhold
        )
