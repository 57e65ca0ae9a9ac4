"""Provider adapters: one module per wire protocol behind ``providers.base.ProviderAdapter``.

Map for callers (the router and the proxy endpoints):

- ``registry``: ``ModelRegistry`` (``AppState.models``): ``get(alias)``, ``aliases()``,
  ``fallbacks(alias)``, ``adapter(provider)``, ``cost(...)``, ``default_small``/``default_large``.
- ``openai`` / ``anthropic`` / ``ollama``: the adapters (reach them through ``registry.adapter``).
- ``anthropic_inbound``: ``/v1/messages`` request → canonical, canonical → Anthropic ``message``.
- ``anthropic_stream``: canonical chunks → Anthropic SSE bytes, and Anthropic error events.
- ``streaming``: SSE/NDJSON parsing and OpenAI SSE framing (``sse_data``, ``SSE_DONE``,
  ``openai_error_event``).
- ``params``: canonical helpers (``GATEWAY_ONLY_PARAMS``, ``unsupported``, chunk builders).

Streams from every adapter end with a usage-only chunk (``choices: []``) whenever the upstream
reported usage, whatever the client asked; the endpoint drops it unless the client set
``stream_options.include_usage``.
"""
