"""Choosing, retrying and failing over among upstream deployments; no wire formats here."""

from llm_gateway.services.routing.router import Router
from llm_gateway.services.routing.stream import ChatStream
from llm_gateway.services.routing.trace import Attempt, RouteTrace

__all__ = ["Attempt", "ChatStream", "RouteTrace", "Router"]
