"""Agent tools: one interface (name, description, JSON-schema parameters, async run)."""
