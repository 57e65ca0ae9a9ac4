"""The /chat/ws protocol: authenticate once, then run turns, sending each event as JSON.

Client → server: ``{"type": "auth", "token"}`` (first, unless the handshake carried
``Authorization``/``x-api-key`` or ``?token=``), ``{"type": "chat", "message", "conversation_id"?,
"model"?}``, ``{"type": "cancel"}`` (stop the running turn; its reply is kept as ``partial``),
``{"type": "ping"}`` and ``{"type": "close"}``. Server → client: ``{"type": "ready"}`` after auth,
then per turn the /chat events as ``{"type": "meta" | "tool" | "token" | "guardrail" | "done" |
"error", ...}``. A turn's own failures (404, 422, 429, ...) are ``error`` messages and the socket
stays open. Close codes: 1000 normal, 1003 binary frame, 1007 a frame that is not a JSON object,
1008 authentication failed or timed out (checked again before each turn), 1011 server error.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, NoReturn

import orjson
from fastapi import WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import get_logger
from llm_gateway.core.text import find_unstorable
from llm_gateway.schemas.chat import WsAuth, WsChat, WsControl
from llm_gateway.services.auth.authenticate import authenticate, credential_from_headers
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.service import ChatService
from llm_gateway.services.chat.turn import ChatTurn
from llm_gateway.services.conversations.service import require_owner
from llm_gateway.state import AppState

_log = get_logger("llm_gateway.chat.ws")

CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011


class SocketClosed(Exception):
    """The peer went away, or we closed the socket; the session ends."""


def _error(code: str, message: str, status: int | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "http_status": status}


class ChatSocket:
    """One WebSocket connection: authentication, then any number of sequential turns."""

    def __init__(self, websocket: WebSocket, state: AppState, service: ChatService) -> None:
        self.ws = websocket
        self.state = state
        self.service = service
        self._reader: asyncio.Task[dict[str, Any]] | None = None
        self._credential: str | None = None

    async def serve(self) -> None:
        await self.ws.accept()
        try:
            principal = await self._authenticate()
            await self._send({"type": "ready", "user_id": str(principal.user_id)})
            while True:
                message = await self._next_message()
                if not await self._dispatch(message):
                    await self._close(CLOSE_NORMAL, "bye")
                    return
        except SocketClosed:
            return
        except Exception:
            _log.exception("chat websocket failed")
            await self._close(CLOSE_SERVER_ERROR, "internal error")
        finally:
            if self._reader is not None:
                self._reader.cancel()

    # --- framing -------------------------------------------------------------------------

    async def _send(self, data: dict[str, Any]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(data).decode())
        except (WebSocketDisconnect, RuntimeError, OSError):
            raise SocketClosed from None

    async def _close(self, code: int, reason: str) -> NoReturn:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            try:
                await self.ws.close(code, reason)
            except (RuntimeError, OSError):
                pass
        raise SocketClosed

    async def _receive_frame(self) -> dict[str, Any]:
        return dict(await self.ws.receive())

    def _pending_read(self) -> asyncio.Task[dict[str, Any]]:
        # One read stays outstanding across turns, so a frame is never lost to a cancellation.
        if self._reader is None:
            self._reader = asyncio.ensure_future(self._receive_frame())
        return self._reader

    async def _decode(self, frame: dict[str, Any]) -> dict[str, Any]:
        if frame.get("type") == "websocket.disconnect":
            raise SocketClosed
        if frame.get("text") is None:
            await self._close(CLOSE_UNSUPPORTED, "binary frames are not supported; send JSON text")
        try:
            data = orjson.loads(frame["text"])
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            await self._close(CLOSE_INVALID_PAYLOAD, "each message must be a JSON object")
        field = find_unstorable(data)  # NUL or invalid Unicode: the history could not store it
        if field is not None:
            await self._close(CLOSE_INVALID_PAYLOAD, f"'{field[:60]}' contains NUL or invalid text")
        return data

    async def _next_message(self, wait_s: float | None = None) -> dict[str, Any]:
        reader = self._pending_read()
        done, _ = await asyncio.wait({reader}, timeout=wait_s)
        if not done:
            raise TimeoutError
        self._reader = None
        return await self._decode(reader.result())

    # --- session -------------------------------------------------------------------------

    async def _authenticate(self) -> Principal:
        credential = credential_from_headers(self.ws.scope["headers"])
        credential = credential or self.ws.query_params.get("token")
        if credential is None:
            timeout = self.state.settings.chat.ws_auth_timeout_s
            try:
                first = await self._next_message(timeout)
            except TimeoutError:
                await self._close(CLOSE_POLICY, "authentication timed out")
            try:
                credential = WsAuth.model_validate(first).token
            except ValidationError:
                await self._send(_error("authentication_required", "Send {type: auth, token}"))
                await self._close(CLOSE_POLICY, "authentication required")
        self._credential = credential
        return await self._principal()

    async def _principal(self) -> Principal:
        """Resolve the socket's credential (again before every turn, as every HTTP request does).

        A socket outlives its access token; checking per turn means an expired token, a revoked
        key or a deactivated user ends the session (1008) instead of chatting on.
        """
        try:
            principal = await authenticate(self.state, self._credential)
            require_owner(principal)
        except GatewayError as exc:
            await self._send(_error(exc.code, exc.message, exc.status_code))
            await self._close(CLOSE_POLICY, "authentication failed")
        return principal

    async def _dispatch(self, message: dict[str, Any]) -> bool:
        """Handle one client message between turns; False ends the session normally."""
        kind = message.get("type")
        if kind == "close":
            return False
        try:
            if kind == "chat":
                request = WsChat.model_validate(message)
                await self._turn(await self._principal(), request)
            else:
                control = WsControl.model_validate(message)
                if control.type == "ping":
                    await self._send({"type": "pong"})
                # "cancel" with no turn running has nothing to stop.
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            detail = f"{where}: {first['msg']}" if where else first["msg"]
            await self._send(_error("validation_error", f"Invalid message: {detail}", 422))
        return True

    async def _turn(self, principal: Principal, message: WsChat) -> None:
        request_id = f"ws_{secrets.token_hex(8)}"
        try:
            turn = await self.service.start(principal, message.as_request(), request_id)
        except GatewayError as exc:
            await self._send(_error(exc.code, exc.message, exc.status_code))
            return
        try:
            await self._stream(turn)
        finally:
            turn.interrupt()
            turn.close()

    async def _stream(self, turn: ChatTurn) -> None:
        event_task = asyncio.ensure_future(turn.next_event())
        try:
            while True:
                reader = self._pending_read()
                done, _ = await asyncio.wait(
                    {event_task, reader}, return_when=asyncio.FIRST_COMPLETED
                )
                if reader in done:
                    self._reader = None
                    incoming = await self._decode(reader.result())
                    await self._during_turn(turn, incoming)
                if event_task in done:
                    event = event_task.result()
                    if event is None:
                        return
                    await self._send({"type": event.name, **event.data})
                    if event.terminal:
                        return  # the client may start the next turn right away
                    event_task = asyncio.ensure_future(turn.next_event())
        finally:
            # The peer left mid-turn: don't leave the read of the next event behind.
            event_task.cancel()

    async def _during_turn(self, turn: ChatTurn, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "cancel":
            turn.interrupt("cancelled", "The client cancelled the turn")
        elif kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "close":
            turn.interrupt("client_disconnected", "The client closed the socket")
            await self._close(CLOSE_NORMAL, "bye")
        else:
            await self._send(
                _error("turn_in_progress", "Wait for 'done' or 'error', or send 'cancel'", 409)
            )
