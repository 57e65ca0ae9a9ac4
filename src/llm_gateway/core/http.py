"""The one shared aiohttp session for upstream calls: pooled, keep-alive, made in the lifespan."""

from __future__ import annotations

import aiohttp

from llm_gateway.core.config import ProviderSettings


def create_http_session(settings: ProviderSettings) -> aiohttp.ClientSession:
    """Per-request timeouts are set by callers; the session only bounds connecting."""
    connector = aiohttp.TCPConnector(
        limit=settings.max_connections,
        limit_per_host=settings.max_connections_per_host,
        keepalive_timeout=60,
        enable_cleanup_closed=True,
        ttl_dns_cache=300,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=settings.total_timeout_s, sock_connect=settings.connect_timeout_s
        ),
        auto_decompress=True,
        trust_env=False,
    )
