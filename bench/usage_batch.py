"""CPU per row of ``repositories/usage.insert_batch`` and the event-loop time it holds at once.

Writes batches of synthetic usage events into a migrated database (PostgreSQL: the JSON
statement of ``repositories/usage_pg``; SQLite: the JSON load and SQL fold of
``repositories/usage_sqlite``). Reports the median CPU per row
(``time.process_time`` around each batch) and, with a task beating on the loop meanwhile, the
longest stretch of the loop's own CPU time (``time.thread_time`` between beats, so a box that
deschedules the process does not count) per batch. Run it with ``PYTHONPATH=<tree>/src`` to
compare two checkouts:

    .venv/bin/python bench/usage_batch.py postgresql+asyncpg://postgres@127.0.0.1/db --rows 500
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.database import create_engine, create_session_factory, session_scope
from llm_gateway.repositories import usage as repo
from llm_gateway.services.usage.record import UsageEvent


def events(count: int) -> list[UsageEvent]:
    user, key = uuid.uuid4(), uuid.uuid4()
    return [
        UsageEvent(
            request_id=f"req_{i:024x}",
            source="proxy",
            endpoint="/v1/chat/completions",
            alias="bench",
            user_id=user,
            api_key_id=key,
            deployment="bench/openai/0",
            provider="openai",
            prompt_tokens=12,
            completion_tokens=6,
            cost_usd=0.0001,
            latency_ms=random.uniform(0.5, 5),
            status_code=200,
        )
        for i in range(count)
    ]


async def main(args: argparse.Namespace) -> None:
    engine = create_engine(DatabaseSettings(url=args.database_url))
    factory = create_session_factory(engine)
    for _ in range(3):  # warm-up: connections, prepared statements
        async with session_scope(factory) as session:
            await repo.insert_batch(session, events(args.rows))
    cpu: list[float] = []
    for _ in range(args.batches):
        batch = events(args.rows)
        started = time.process_time()
        async with session_scope(factory) as session:
            await repo.insert_batch(session, batch)
        cpu.append((time.process_time() - started) / args.rows * 1e6)
    gaps: list[float] = []

    async def beat() -> None:
        last = time.thread_time()
        while True:
            await asyncio.sleep(0)
            now = time.thread_time()
            gaps.append(now - last)
            last = now

    beater = asyncio.create_task(beat())
    longest: list[float] = []
    for _ in range(args.batches):
        batch = events(args.rows)
        await asyncio.sleep(0.01)
        gaps.clear()
        async with session_scope(factory) as session:
            await repo.insert_batch(session, batch)
        longest.append(max(gaps) * 1e3)
    beater.cancel()
    await engine.dispose()
    print(
        f"{args.rows}-row batches: CPU {statistics.median(cpu):.1f} us/row (median of "
        f"{args.batches}); longest loop stretch median {statistics.median(longest):.2f} ms, "
        f"max {max(longest):.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url", help="a migrated database (its usage tables grow)")
    parser.add_argument("--rows", type=int, default=500, help="rows per batch (the writer's 500)")
    parser.add_argument("--batches", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
