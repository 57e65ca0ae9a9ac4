"""Pure ASGI middleware (Starlette's HTTP-middleware base class would buffer streams)."""
