"""The OpenAI Responses API (``/v1/responses``) served over any alias through chat completions."""
