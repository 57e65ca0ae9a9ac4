"""The LangGraph agent pipeline: intent analysis, model routing, tools, guardrails, formatting."""
