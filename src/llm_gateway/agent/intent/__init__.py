"""Intent analysis: exact rules and a shipped classifier, the intent LLM when unsure, fallback."""

from llm_gateway.agent.intent.analyzer import DEFAULT_TOOLS, IntentAnalyzer, IntentLLM
from llm_gateway.agent.intent.classifier import IntentClassifier, Prediction
from llm_gateway.agent.intent.features import detect_language
from llm_gateway.agent.intent.llm import build_intent_request, parse_intent_response
from llm_gateway.agent.intent.rules import FastPass, estimate_complexity, exact_rule
from llm_gateway.agent.intent.types import IntentParseError, IntentResult

__all__ = [
    "DEFAULT_TOOLS",
    "FastPass",
    "IntentAnalyzer",
    "IntentClassifier",
    "IntentLLM",
    "IntentParseError",
    "IntentResult",
    "Prediction",
    "build_intent_request",
    "detect_language",
    "estimate_complexity",
    "exact_rule",
    "parse_intent_response",
]
