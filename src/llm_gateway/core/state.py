"""Where the lifespan's state lives on each request's scope (``request.state.app_state``).

The state itself, ``llm_gateway.state.AppState``, names every layer's resources and so lives
above them all; core code that needs to find it (middleware) knows only this key.
"""

from __future__ import annotations

STATE_KEY = "app_state"
