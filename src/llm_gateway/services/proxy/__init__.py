"""The OpenAI/Anthropic-compatible proxy: parse, route, relay, and account for each call."""
