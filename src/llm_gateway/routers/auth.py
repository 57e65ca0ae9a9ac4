"""/auth: register, login (JSON or OAuth2 form), refresh, logout, password reset."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from llm_gateway.core.exceptions import ClientError, InvalidRequestError, UnprocessableError
from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.auth import (
    AcceptedResponse,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    TokenResponse,
)
from llm_gateway.schemas.users import UserOut
from llm_gateway.services.auth import accounts, password_reset, sessions
from llm_gateway.services.auth.authenticate import ClientIpDep, SessionPrincipalDep

router = APIRouter(prefix="/auth", tags=["auth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
_FORGOT_ANSWER = "If an account exists for this e-mail, a reset message is on its way."

_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string", "description": "The account e-mail"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            },
        },
    }
}


async def _login_body(request: Request) -> LoginRequest:
    """JSON ``{email, password}`` or the OAuth2 password form (Swagger's Authorize button)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            return LoginRequest.model_validate_json(await request.body())
        if content_type == "application/x-www-form-urlencoded":
            form = await request.form()
            grant = form.get("grant_type")
            if grant not in (None, "", "password"):
                raise InvalidRequestError(
                    "grant_type must be 'password'", code="unsupported_grant_type"
                )
            return LoginRequest(email=str(form.get("username", "")), password=form.get("password"))
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first["loc"]) or None
        if first["type"] == "json_invalid":
            raise InvalidRequestError(
                "Request body is not valid JSON", code="invalid_json"
            ) from None
        raise UnprocessableError(
            f"{param}: {first['msg']}", code="validation_error", param=param
        ) from None
    raise ClientError(
        "Send JSON or an application/x-www-form-urlencoded form",
        code="unsupported_media_type",
        status_code=415,
    )


@router.post("/register", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterRequest, state: AppStateDep, session: SessionDep, ip: ClientIpDep
) -> UserOut:
    """Create an account (when registration is enabled). Weak passwords get 422 naming the rule."""
    user = await accounts.register(session, state.auth, body, client_ip=ip)
    return UserOut.model_validate(user)


@router.post("/login", response_model=TokenResponse, openapi_extra=_LOGIN_BODY)
async def login(
    request: Request, response: Response, state: AppStateDep, session: SessionDep, ip: ClientIpDep
) -> TokenResponse:
    """Exchange e-mail and password for an access token and a refresh token."""
    body = await _login_body(request)
    response.headers.update(_NO_STORE)
    return await sessions.login(
        session,
        state.auth,
        email=body.email,
        password=body.password.get_secret_value(),
        client_ip=ip,
    )


@router.post("/refresh", response_model=TokenResponse)
async def refresh(
    body: RefreshRequest, response: Response, state: AppStateDep, session: SessionDep
) -> TokenResponse:
    """Rotate: the presented refresh token dies, a new pair is returned."""
    response.headers.update(_NO_STORE)
    return await sessions.refresh(session, state.auth, refresh_token=body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: SessionPrincipalDep,
    state: AppStateDep,
    session: SessionDep,
    body: LogoutRequest | None = None,
) -> None:
    """Revoke this session's refresh family and access token (or every session)."""
    all_sessions = body.all_sessions if body is not None else False
    await sessions.logout(session, state.auth, principal, all_sessions=all_sessions)


@router.post(
    "/password/forgot", response_model=AcceptedResponse, status_code=status.HTTP_202_ACCEPTED
)
async def forgot_password(
    body: ForgotPasswordRequest, state: AppStateDep, ip: ClientIpDep
) -> AcceptedResponse:
    """Send a reset token by e-mail. The answer is the same whether or not the account exists."""
    await password_reset.request_reset(state.auth, email=body.email, client_ip=ip)
    return AcceptedResponse(detail=_FORGOT_ANSWER)


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    body: ResetPasswordRequest, state: AppStateDep, session: SessionDep
) -> None:
    """Set a new password with a reset token; every existing session is signed out."""
    await password_reset.reset_password(
        session, state.auth, token=body.token, new_password=body.new_password.get_secret_value()
    )
