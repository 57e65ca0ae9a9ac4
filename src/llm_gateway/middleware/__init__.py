"""Pure ASGI middleware (never BaseHTTPMiddleware: it buffers streams and costs throughput)."""
