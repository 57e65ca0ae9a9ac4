"""``GET /metrics``: the Prometheus text exposition, for the metrics token or an admin."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from llm_gateway.core.exceptions import NotFoundError
from llm_gateway.core.metrics import CONTENT_TYPE
from llm_gateway.dependencies import AppStateDep
from llm_gateway.services.auth.authenticate import authenticate, credential_from_headers

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, state: AppStateDep) -> Response:
    """Every gateway metric, aggregated over all workers.

    Authorised by ``LLMGW_TELEMETRY__METRICS_TOKEN`` as a bearer token (for Prometheus), or any
    admin credential. 404 when ``LLMGW_TELEMETRY__METRICS_ENABLED=false``.
    """
    telemetry = state.settings.telemetry
    if not telemetry.metrics_enabled or state.metrics is None:
        raise NotFoundError("Not Found", code="not_found")
    credential = credential_from_headers(request.scope["headers"])
    token = telemetry.metrics_token
    if not (
        token is not None
        and credential is not None
        and hmac.compare_digest(credential.encode(), token.get_secret_value().encode())
    ):
        principal = await authenticate(state, credential)
        principal.require_admin()
    if state.metrics_sampler is not None:
        await state.metrics_sampler.sample()
    return Response(
        content=state.metrics.render(),
        media_type=CONTENT_TYPE,
        headers={"cache-control": "no-store"},
    )
