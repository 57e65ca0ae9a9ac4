"""Coalesce the script calls made in one event-loop iteration into one Redis round trip.

Every proxied request runs two scripts (quota admission before the upstream call, settlement
after the response). Sent one by one, each costs a pool checkout, a socket write, a read and a
wake-up, and at 16 requests in flight that per-command overhead was the largest item of the
quota path's profile. Here a call only queues its ``EVALSHA``; the first call of an iteration
schedules a flush for the next one, which sends everything queued so far as one pipeline
(``transaction=False``: each script stays atomic on its own, exactly as when sent alone) and
hands each caller its own reply. With one request in flight the batch is that one call, so
latency is unchanged; under load the round trips are shared.

A script unknown to the server (``NOSCRIPT`` after a restart or ``SCRIPT FLUSH``) is loaded and
retried on its own. Connection failures fail every call of the batch with the caller's mapping
(``StoreUnavailableError``); a script's own error goes to its caller only.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, ResponseError

from llm_gateway.core.store.base import ScriptArg, ScriptResult, StoreScript

MAX_BATCH = 256  # commands per pipeline; more wait for the next flush in the same iteration
Unavailable = Callable[[BaseException], BaseException]
_Call = tuple[StoreScript, list[Any], "asyncio.Future[ScriptResult]"]


class ScriptBatcher:
    """Queues ``EVALSHA`` calls and sends each iteration's calls as one pipeline."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        unavailable: Unavailable,
        errors: tuple[type[BaseException], ...],
    ) -> None:
        self._client = client
        self._unavailable = unavailable
        self._errors = errors
        self._pending: list[_Call] = []
        self._shas: dict[str, str] = {}
        self._flushes: set[asyncio.Task[None]] = set()

    def _sha(self, script: StoreScript) -> str:
        sha = self._shas.get(script.name)
        if sha is None:
            sha = hashlib.sha1(script.lua.encode(), usedforsecurity=False).hexdigest()
            self._shas[script.name] = sha
        return sha

    async def run(
        self, script: StoreScript, keys: Sequence[str], args: Sequence[ScriptArg]
    ) -> ScriptResult:
        """Queue one script call and wait for its reply (sent with the iteration's others)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ScriptResult] = loop.create_future()
        command: list[Any] = ["EVALSHA", self._sha(script), len(keys), *keys, *args]
        if not self._pending:
            task = loop.create_task(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        self._pending.append((script, command, future))
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                replies = await self._send(batch)
            except self._errors as exc:
                failure = self._unavailable(exc)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                continue
            except BaseException as exc:  # unexpected: never leave a caller waiting
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                raise
            for (_, _, future), reply in zip(batch, replies, strict=True):
                if future.done():  # the caller was cancelled meanwhile
                    continue
                if isinstance(reply, self._errors):  # per call: OOM, READONLY
                    future.set_exception(self._unavailable(reply))
                elif isinstance(reply, BaseException):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)

    async def _send(self, batch: list[_Call]) -> list[Any]:
        client = self._client
        if len(batch) == 1:
            script, command, _ = batch[0]
            return [await self._one(script, command)]
        async with client.pipeline(transaction=False) as pipe:
            for _, command, _ in batch:
                pipe.execute_command(*command)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError):
                script, command, _ = batch[i]
                try:
                    replies[i] = await self._one(script, command)
                except ResponseError as exc:
                    replies[i] = exc
        return replies

    async def _one(self, script: StoreScript, command: list[Any]) -> Any:
        client = self._client
        try:
            return await client.execute_command(*command)  # type: ignore[no-untyped-call]
        except NoScriptError:
            await client.script_load(script.lua)
            return await client.execute_command(*command)  # type: ignore[no-untyped-call]
        except ResponseError as exc:
            return exc
