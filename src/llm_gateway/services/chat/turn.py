"""One running chat turn: the agent's events in, client events out, the reply saved at the end.

The turn runs as its own task under ``AppState.chat_jobs``, not inside the HTTP response, so it
always finishes its bookkeeping: when the client disconnects (or a WebSocket client cancels) the
transport calls ``interrupt()``, the agent run is cancelled, and whatever text was produced is
stored with status ``partial``. Transports read events with ``next_event``.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

from sqlalchemy.exc import NoResultFound

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import (
    AgentEvent,
    DoneEvent,
    ErrorEvent,
    GuardrailEvent,
    IntentEvent,
    ModelEvent,
    TokenEvent,
    ToolEvent,
)
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import get_logger
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat import events as ev
from llm_gateway.services.chat.caching import CACHE_SETTLES_TOKENS
from llm_gateway.services.chat.deps import ChatDeps
from llm_gateway.services.chat.followups import schedule_followups
from llm_gateway.services.chat.prepare import PreparedTurn
from llm_gateway.services.chat.record import TurnOutcome, reply_outcome, save_reply
from llm_gateway.services.usage.record import UsageEvent

_log = get_logger("llm_gateway.chat.turn")


class ChatTurn:
    """Runs the agent for a prepared turn and queues ``ChatEvent``s for one transport."""

    def __init__(
        self, deps: ChatDeps, principal: Principal, prepared: PreparedTurn, options: AgentOptions
    ) -> None:
        self.deps = deps
        self.principal = principal
        self.prepared = prepared
        self.options = options
        self.intent: IntentEvent | None = None
        self.model: ModelEvent | None = None
        self.tools: list[dict[str, object]] = []
        self.guardrails: list[dict[str, object]] = []
        self.outcome: TurnOutcome | None = None
        self._text: list[str] = []
        self._meta_sent = False
        self._queue: asyncio.Queue[ev.ChatEvent | None] = asyncio.Queue()
        self._getter: asyncio.Task[ev.ChatEvent | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._interrupted: tuple[str, str] | None = None
        self._first_token_at: float | None = None
        self._finishing = False  # the reply is being saved: too late to interrupt

    @property
    def ids(self) -> dict[str, str]:
        return {
            "conversation_id": str(self.prepared.conversation_id),
            "message_id": str(self.prepared.message_id),
        }

    def start(self) -> None:
        name = f"chat-turn:{self.prepared.message_id}"
        self._task = self.deps.jobs.spawn(name, self._run())

    def interrupt(self, code: str = "client_disconnected", message: str | None = None) -> None:
        """Stop the agent run; the reply so far is saved as ``partial``. No-op once finished."""
        if self._task is None or self._task.done() or self._interrupted or self._finishing:
            return
        self._interrupted = (code, message or "The client disconnected before the reply finished")
        self._task.cancel()

    async def wait(self) -> None:
        """Until the reply is saved (or the turn gave up)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def next_event(self, wait_s: float | None = None) -> ev.ChatEvent | None:
        """The next event, None after the terminal one; TimeoutError if none within ``wait_s``.

        The pending read survives a timeout, so an event is never lost to a heartbeat.
        """
        if self._getter is None:
            self._getter = asyncio.ensure_future(self._queue.get())
        # A local reference: ``close()`` may clear ``_getter`` while this read is waiting.
        getter = self._getter
        done, _ = await asyncio.wait({getter}, timeout=wait_s)
        if not done:
            raise TimeoutError
        if self._getter is getter:
            self._getter = None
        return getter.result()  # CancelledError once the transport closed the turn

    def close(self) -> None:
        """Release the pending read (the transport is going away)."""
        if self._getter is not None:
            self._getter.cancel()
            self._getter = None

    # --- producer ------------------------------------------------------------------------

    def _emit(self, event: ev.ChatEvent) -> None:
        if event.name != "meta" and not self._meta_sent:
            self._send_meta()
        self._queue.put_nowait(event)

    def _send_meta(self) -> None:
        self._meta_sent = True
        self._queue.put_nowait(
            ev.meta_event(
                conversation_id=str(self.prepared.conversation_id),
                user_message_id=str(self.prepared.user_message_id),
                message_id=str(self.prepared.message_id),
                intent=self.intent,
                model=self.model,
                requested_model=self.prepared.requested_model,
            )
        )

    def _handle(self, event: AgentEvent) -> DoneEvent | ErrorEvent | None:
        if isinstance(event, IntentEvent):
            self.intent = event
        elif isinstance(event, ModelEvent):
            self.model = event
            self._send_meta()  # again after a fallback: the client learns the new model
        elif isinstance(event, TokenEvent):
            if event.text:
                if self._first_token_at is None:
                    self._first_token_at = time.monotonic()
                self._text.append(event.text)
                self._emit(ev.token_event(event.text))
        elif isinstance(event, ToolEvent):
            chat_event = ev.tool_event(event)
            self.tools.append(chat_event.data)
            self._emit(chat_event)
        elif isinstance(event, GuardrailEvent):
            chat_event = ev.guardrail_event(event)
            self.guardrails.append(chat_event.data)
            self._emit(chat_event)
        elif isinstance(event, DoneEvent | ErrorEvent):
            return event
        return None  # a ServingEvent: /chat names its model in ``meta`` and ``done``

    async def _run(self) -> None:
        terminal: DoneEvent | ErrorEvent | None = None
        try:
            stream = self.deps.agent.run(
                self.prepared.messages,
                self.principal,
                self.prepared.requested_model,
                self.options,
            )
            async with aclosing(stream) as events:  # type: ignore[type-var]
                async for event in events:
                    terminal = self._handle(event)
                    if terminal is not None:
                        break
        except asyncio.CancelledError:
            code, message = self._interrupted or ("cancelled", "The turn was cancelled")
            # Cancelled while the finished stream was being closed: the reply is complete.
            await self._finish(terminal or ErrorEvent(code=code, message=message, status_code=499))
            raise
        except GatewayError as exc:
            terminal = ErrorEvent(code=exc.code, message=exc.message, status_code=exc.status_code)
        except Exception:
            _log.exception("agent run failed", message_id=str(self.prepared.message_id))
            terminal = ErrorEvent(code="internal_error", message="The agent failed unexpectedly")
        if terminal is None:
            terminal = ErrorEvent(code="agent_no_result", message="The agent ended without a reply")
        await self._finish(terminal)

    async def _finish(self, terminal: DoneEvent | ErrorEvent) -> None:
        self._finishing = True
        served_by = self.model.alias if self.model else None
        outcome = reply_outcome(self.deps, self.prepared, terminal, "".join(self._text), served_by)
        try:
            await save_reply(self.deps, self.prepared, outcome, served_by)
        except NoResultFound:
            _log.info(
                "conversation deleted during the turn", message_id=str(self.prepared.message_id)
            )
            outcome = outcome.unsaved(
                "conversation_deleted", "The conversation was deleted before the reply was saved"
            )
        except Exception:
            _log.exception("saving the reply failed", message_id=str(self.prepared.message_id))
            outcome = outcome.unsaved("storage_failed", "The reply could not be saved")
        self.outcome = outcome
        await self._settle()
        self._record_usage()
        schedule_followups(
            self.deps,
            self.principal,
            self.prepared.conversation_id,
            self.prepared.window,
            needs_title=self.prepared.needs_title,
        )
        if not self._meta_sent:
            self._send_meta()
        outcome = self.outcome
        if outcome.done is not None:
            final = ev.done_event(
                outcome.done, **self.ids, context_tokens=self.prepared.context_tokens
            )
        else:
            final = ev.error_event(
                outcome.error_code, outcome.error_message, **self.ids, status=outcome.status
            )
        self._queue.put_nowait(final)
        self._queue.put_nowait(None)

    async def _settle(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        try:
            # QUOTA: replace the reservation with what the turn really used.
            done = outcome.done
            counts = done is None or done.metadata.get(CACHE_SETTLES_TOKENS, True)
            await self.deps.quota.settle(
                self.prepared.admission,
                prompt_tokens=outcome.prompt_tokens if counts else 0,
                completion_tokens=outcome.completion_tokens if counts else 0,
                cost_usd=outcome.cost_usd,
            )
        except Exception:
            _log.exception("quota settle failed", message_id=str(self.prepared.message_id))

    def _record_usage(self) -> None:
        outcome, record = self.outcome, self.deps.record_usage
        if outcome is None or record is None:
            return
        started = self.prepared.started_at
        done = outcome.done
        record(
            UsageEvent(
                request_id=self.prepared.request_id,
                source="chat",
                endpoint="/chat",
                alias=done.model if done else (self.model.alias if self.model else "auto"),
                user_id=self.principal.user_id,
                api_key_id=self.principal.api_key_id,
                deployment=done.deployment if done else None,
                intent=self.intent.label if self.intent else None,
                prompt_tokens=outcome.prompt_tokens,
                completion_tokens=outcome.completion_tokens,
                cached_tokens=done.usage.cached_tokens if done else 0,
                cache_write_tokens=done.usage.cache_write_tokens if done else 0,
                tokens_estimated=done is None,
                cost_usd=outcome.cost_usd,
                latency_ms=(time.monotonic() - started) * 1000,
                ttft_ms=None
                if self._first_token_at is None
                else (self._first_token_at - started) * 1000,
                status_code=200 if outcome.status != "error" else outcome.error_status,
                error_code=None if done else outcome.error_code,
                stream=self.options.stream,
                cache_hit=bool(done and done.metadata.get("cache")),
            )
        )
