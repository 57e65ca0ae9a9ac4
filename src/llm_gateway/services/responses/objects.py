"""The ``response`` resource, its output items and usage, built from canonical shapes."""

from __future__ import annotations

import time
from typing import Any

from llm_gateway.providers.params import new_id
from llm_gateway.services.responses.names import ToolNames
from llm_gateway.services.responses.request import ResponsesCall


def response_id() -> str:
    return new_id("resp_")


def usage_from_canonical(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """Canonical (chat) usage → the Responses API's ``usage`` object."""
    if not usage:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": int(cached)},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": int(reasoning)},
        "total_tokens": prompt + completion,
    }


def _text_echo(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("text")
    text: dict[str, Any] = raw if isinstance(raw, dict) else {}
    fmt = dict(text.get("format") or {"type": "text"})
    if fmt.get("type") == "json_schema":
        fmt.setdefault("description", None)
        fmt.setdefault("strict", False)
    return {"format": fmt, "verbosity": text.get("verbosity") or "medium"}


def _tool_choice_echo(choice: Any) -> Any:
    return choice if choice is not None else "auto"


def base_response(call: ResponsesCall, rid: str, model: str) -> dict[str, Any]:
    """The response resource with nothing generated yet (``status: in_progress``)."""
    body = call.body
    raw = body.get("reasoning")
    reasoning: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "id": rid,
        "object": "response",
        "created_at": int(time.time()),
        "completed_at": None,
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": call.instructions,
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": model,
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": call.previous_response_id,
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": call.store,
        "temperature": body.get("temperature", 1.0),
        "text": _text_echo(body),
        "tool_choice": _tool_choice_echo(body.get("tool_choice")),
        "tools": call.tools,
        "top_logprobs": 0,
        "top_p": body.get("top_p", 1.0),
        "presence_penalty": body.get("presence_penalty", 0.0),
        "frequency_penalty": body.get("frequency_penalty", 0.0),
        "truncation": body.get("truncation") or "disabled",
        "usage": None,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def message_item(
    text: str, *, status: str = "completed", item_id: str | None = None
) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {
        "id": item_id or new_id("msg_"),
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content if status == "completed" else [],
    }


def function_call_item(
    call: dict[str, Any], names: ToolNames, *, status: str = "completed", item_id: str | None = None
) -> dict[str, Any]:
    """A canonical tool call → a ``function_call`` output item (namespace split back out)."""
    fn = call.get("function") or {}
    namespace, name = names.from_upstream(str(fn.get("name") or ""))
    item: dict[str, Any] = {
        "id": item_id or new_id("fc_"),
        "type": "function_call",
        "status": status,
        "call_id": call.get("id") or new_id("call_"),
        "name": name,
        "arguments": (fn.get("arguments") or "") if status == "completed" else "",
    }
    if namespace is not None:
        item["namespace"] = namespace
    return item


def finish(response: dict[str, Any], finish_reason: str | None, usage: Any) -> None:
    """Mark ``response`` completed (or incomplete, when the output limit cut it) in place."""
    response["completed_at"] = int(time.time())
    if finish_reason == "length":
        response["status"] = "incomplete"
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    elif finish_reason == "content_filter":
        response["status"] = "incomplete"
        response["incomplete_details"] = {"reason": "content_filter"}
    else:
        response["status"] = "completed"
    response["usage"] = usage_from_canonical(usage)


def from_completion(
    call: ResponsesCall, completion: dict[str, Any], rid: str, model: str
) -> dict[str, Any]:
    """A canonical ``chat.completion`` → the finished response resource."""
    response = base_response(call, rid, model)
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    output: list[dict[str, Any]] = []
    if isinstance(message.get("refusal"), str) and message["refusal"]:
        item = message_item("")
        item["content"] = [{"type": "refusal", "refusal": message["refusal"]}]
        output.append(item)
    elif content:
        output.append(message_item(content))
    output.extend(function_call_item(c, call.names) for c in message.get("tool_calls") or ())
    response["output"] = output
    finish(response, choice.get("finish_reason"), completion.get("usage"))
    return response


def output_messages(output: list[dict[str, Any]], names: ToolNames) -> list[dict[str, Any]]:
    """The response's output as canonical assistant messages (history for the next turn)."""
    text: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in output:
        if item.get("type") == "message":
            for part in item.get("content") or ():
                text.append(part.get("text") or part.get("refusal") or "")
        elif item.get("type") == "function_call":
            calls.append(
                {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {
                        "name": names.to_upstream(item["name"], item.get("namespace")),
                        "arguments": item["arguments"],
                    },
                }
            )
    if not text and not calls:
        return []
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
    if calls:
        message["tool_calls"] = calls
    return [message]
