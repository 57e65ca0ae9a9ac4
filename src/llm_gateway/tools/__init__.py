"""Agent tools: one interface (name, description, JSON-schema parameters, async run)."""

from llm_gateway.tools.base import (
    Tool,
    ToolError,
    ToolErrorCode,
    ToolRegistry,
    ToolResult,
    ToolSpec,
)
from llm_gateway.tools.factory import builtin_tool_specs, create_tool_registry

__all__ = [
    "Tool",
    "ToolError",
    "ToolErrorCode",
    "ToolRegistry",
    "ToolResult",
    "ToolSpec",
    "builtin_tool_specs",
    "create_tool_registry",
]
