"""The application factory and its lifespan, which owns every long-lived resource."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware

from llm_gateway import __version__
from llm_gateway.agent.lazy import LazyAgent
from llm_gateway.agent.wiring import create_agent
from llm_gateway.cache.wiring import create_cache
from llm_gateway.console import mount as console
from llm_gateway.core import draining
from llm_gateway.core.config import Settings, load_settings, mask_url
from llm_gateway.core.config.settings import INSECURE_SIGNING_WARNING
from llm_gateway.core.database import check_database, create_engine, create_session_factory
from llm_gateway.core.embedding import SharedEmbedder, pin_native_threads
from llm_gateway.core.http import create_http_session
from llm_gateway.core.logging import configure_logging, get_logger
from llm_gateway.core.metrics import GatewayMetrics, mark_process_dead
from llm_gateway.core.store import create_store
from llm_gateway.core.tracing import Tracing
from llm_gateway.fake_upstream.demo import start_demo_upstream
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.middleware.body_limit import BodyLimitMiddleware
from llm_gateway.middleware.error_handler import install_error_handlers
from llm_gateway.middleware.request_context import RequestContextMiddleware
from llm_gateway.middleware.text_guard import refuse_unstorable_text
from llm_gateway.middleware.tracing import TracingMiddleware
from llm_gateway.providers.registry import load_registry
from llm_gateway.routers import admin as admin_router
from llm_gateway.routers import admin_guardrails, anthropic_compat, health, openai_compat, users
from llm_gateway.routers import auth as auth_router
from llm_gateway.routers import cache as cache_router
from llm_gateway.routers import chat as chat_router
from llm_gateway.routers import conversations as conversations_router
from llm_gateway.routers import metrics as metrics_router
from llm_gateway.routers import usage as usage_router
from llm_gateway.services import tokens
from llm_gateway.services.auth.runtime import AuthRuntime
from llm_gateway.services.chat.background import BackgroundJobs
from llm_gateway.services.guardrails.judging import build_judge
from llm_gateway.services.guardrails.policies import PolicyResolver
from llm_gateway.services.guardrails.stats import GuardrailStats, agent_guard_observer
from llm_gateway.services.observability.sampler import MetricsSampler
from llm_gateway.services.observability.usage_metrics import route_observer, usage_observer
from llm_gateway.services.proxy.dispatch import GatewayApp
from llm_gateway.services.quotas.service import QuotaService
from llm_gateway.services.routing import Router
from llm_gateway.services.routing.capacity import is_capped
from llm_gateway.services.routing.trace import RouteTrace
from llm_gateway.services.usage.writer import UsageWriter
from llm_gateway.state import STATE_KEY, AppState
from llm_gateway.tools import create_tool_registry

if TYPE_CHECKING:
    from llm_gateway.agent.runner import AgentRunner

_log = get_logger("llm_gateway.app")
GC_THRESHOLDS = (20_000, 20, 20)  # young, middle, old generation (CPython's default: 700, 10, 10)


def freeze_heap() -> None:
    """Move every live object to the permanent generation, the cyclic GC never scans it again.

    Collect first: unreachable cycles still waiting for a pass (import and build temporaries)
    would otherwise be frozen with the rest and never freed.
    """
    gc.collect()
    gc.freeze()


def _lifespan(settings: Settings, metrics: GatewayMetrics | None, traces: Tracing) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            stack.callback(traces.shutdown)  # last out: flushes the spans of the shutdown too
            engine = create_engine(settings.database)
            stack.push_async_callback(engine.dispose)
            await check_database(engine)

            store = create_store(settings.store)
            stack.push_async_callback(store.close)
            await store.ping()

            http = create_http_session(settings.providers)
            stack.push_async_callback(http.close)

            models = load_registry(settings.providers)  # a bad models.yaml stops startup here
            if settings.providers.demo_upstream:
                demo = await start_demo_upstream(settings.providers)
                if demo is not None:
                    stack.push_async_callback(demo.stop)
            router = Router(models, http, store, settings.providers)

            tools = await create_tool_registry(settings.tools, http)  # probes the code sandbox
            stack.push_async_callback(tools.aclose)

            session_factory = create_session_factory(engine)
            auth = AuthRuntime.create(settings, store, session_factory)
            stack.push_async_callback(auth.aclose)
            await auth.start()  # subscribes to cross-instance credential invalidations

            quotas = QuotaService(settings.quotas, store, session_factory)
            stack.push_async_callback(quotas.stop)
            await quotas.start()  # loads per-user/key quota overrides and follows changes

            usage = UsageWriter(settings.quotas.usage, session_factory, store)
            stack.push_async_callback(usage.stop)  # writes every queued record on shutdown
            await usage.start()

            # One e5 model per process, on its own thread (core.embedding). Its thread stops after
            # everything that may embed has closed: background chat turns, the semantic cache.
            embedder = SharedEmbedder(settings.cache.embedder_threads)
            stack.callback(embedder.close)

            # Closed before the usage writer and the engine: running turns finish saving first.
            chat_jobs = BackgroundJobs(settings.chat.background_concurrency)
            stack.push_async_callback(chat_jobs.close, settings.chat.background_drain_s)
            # The tokenizer tables (~40 MB each) are built when something first counts: at once
            # for rate-capped deployments (counted on the request path), else on first need.
            if any(is_capped(d) for info in models.models() for d in info.deployments):
                chat_jobs.spawn("tokenizer-preload", tokens.ensure_built(models.upstream_models()))

            # The e5 model is loaded on first use; the semantic cache, the harm stage and the
            # intent's second opinion share it (docs/ARCHITECTURE.md).
            use_embedder = embedder if settings.cache.embedder != "none" else None
            cache = await create_cache(
                settings.cache,
                store,
                models,
                embedder=use_embedder,
                judge_call=lambda request: router.chat(request, RouteTrace()),
            )
            stack.push_async_callback(cache.aclose)
            if cache.semantic is not None:  # it embeds at once: load now, not on a request
                await embedder.aload()

            # Loads the classifier once, now if a configured policy uses it, else on first need.
            guard_stats = GuardrailStats()
            guard_judge = build_judge(settings.agent.guardrails, router, models, guard_stats)
            guardrails = GuardrailEngine(
                settings.agent.guardrails, embedder=embedder, judge=guard_judge
            )
            guard_policies = PolicyResolver(settings.agent.guardrails, quotas.overrides)

            def build_agent() -> AgentRunner:  # in a worker thread, on first use (agent.lazy)
                runner = create_agent(
                    settings,
                    router=router,
                    models=models,
                    tools=tools,
                    guardrails=guardrails,
                    model_gate=quotas.check_model,
                    guard_for=lambda p: guardrails.for_policy(guard_policies.resolve(p)),
                    guard_observer=agent_guard_observer(guard_stats),
                    embedder=embedder,
                )
                freeze_heap()  # as at startup (below): the graph and its modules live for good
                return runner

            agent = LazyAgent(build_agent)
            if settings.agent.preload:
                await agent.get()
            state = AppState(
                settings=settings,
                engine=engine,
                session_factory=session_factory,
                store=store,
                http=http,
                models=models,
                router=router,
                tools=tools,
                auth=auth,
                quotas=quotas,
                usage=usage,
                chat_jobs=chat_jobs,
                agent=agent,
                embedder=embedder,
                cache=cache,
                guardrails=guardrails,
                guard_policies=guard_policies,
                guard_stats=guard_stats,
            )
            if metrics is not None:
                metrics.know_aliases(models.aliases())
                usage.observers.append(usage_observer(metrics, models))
                usage.batch_observers.append(metrics.observe_usage_batch)
                router.observer = route_observer(metrics, models)
                sampler = MetricsSampler(
                    metrics,
                    engine=engine,
                    store=store,
                    usage=usage,
                    router=router,
                    quotas=quotas,
                    cache=cache,
                    models=models,
                    interval_s=settings.telemetry.metrics_sample_interval_s,
                )
                await sampler.start()
                stack.push_async_callback(sampler.stop)
                state.metrics = metrics
                guard_stats.metrics = metrics
                state.metrics_sampler = sampler
                # This worker's live gauges stop counting in the shared files when it exits.
                stack.callback(mark_process_dead, os.getpid())
            if settings.server.shutdown_delay_s > 0:
                stack.callback(draining.install(state.drain, settings.server.shutdown_delay_s))
            # What startup built lives as long as the process: keep it out of the cyclic GC, whose
            # full passes over ~200k startup objects stall every request for 100+ ms (p99).
            freeze_heap()
            stack.callback(gc.unfreeze)
            # A request allocates hundreds of containers, nearly all freed by refcount: at the
            # default threshold (700) a young collection ran every request or two. Fewer, larger
            # young passes cost less in total, and the older ones come proportionally later.
            previous = gc.get_threshold()
            gc.set_threshold(*GC_THRESHOLDS)
            stack.callback(gc.set_threshold, *previous)
            if settings.uses_dev_jwt_secret:
                _log.warning(INSECURE_SIGNING_WARNING)
            _log.info(
                "gateway started",
                version=__version__,
                environment=settings.environment,
                database=settings.database.backend_name,
                database_url=mask_url(settings.database.url),
                store=store.backend_name,
            )
            yield {STATE_KEY: state}
            _log.info("gateway stopping")

    return lifespan


def create_app(settings: Settings | None = None, *, tracing: Tracing | None = None) -> FastAPI:
    """Build the ASGI app. Nothing connects until the lifespan starts.

    ``tracing`` replaces the one built from ``settings.telemetry`` (tests pass an in-memory
    exporter's).
    """
    settings = settings or load_settings()
    # First, on the main thread: the native libraries read it when they load, in worker threads.
    pin_native_threads(settings.cache.embedder_threads)
    configure_logging(level=settings.telemetry.log_level, json=settings.log_json)
    metrics = GatewayMetrics() if settings.telemetry.metrics_enabled else None
    traces = tracing or Tracing(settings.telemetry)
    app = GatewayApp(
        title="llm-gateway",
        version=__version__,
        lifespan=_lifespan(settings, metrics, traces),
        docs_url="/docs",
        redoc_url=None,
        # Every management endpoint: unstorable text (NUL, lone surrogates) is a 400 naming it.
        dependencies=[Depends(refuse_unstorable_text)],
        # Spans and metrics are the gateway's own (TracingMiddleware, GatewayMetrics). FastAPI's
        # native telemetry would only add a second server span under a global OTel provider, and
        # it asked whether one is configured on every request (three provider look-ups, ~3 µs).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics_router.router)
    openai_compat.install(app)  # raw ASGI routes: /v1/chat/completions, /v1/embeddings, /v1/models
    anthropic_compat.install(app)  # raw ASGI route: /v1/messages
    app.include_router(auth_router.router)
    app.include_router(users.router)
    app.include_router(conversations_router.router)
    app.include_router(chat_router.router)
    app.include_router(usage_router.router)
    app.include_router(admin_router.router)
    app.include_router(admin_guardrails.router)
    app.include_router(cache_router.router)
    app.include_router(cache_router.admin)
    console.install(app)  # /ui: the web console (its own mount; nothing of it runs elsewhere)

    # Added innermost first: the request context wraps everything, so even CORS and body-limit
    # errors carry a request id and are logged.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_credentials=settings.server.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["x-request-id"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        # At WARNING and above the access line (INFO) is filtered out, as before.
        access_log=settings.server.access_log
        and logging.getLevelName(settings.telemetry.log_level) <= logging.INFO,
        json_log=settings.log_json,
        metrics=metrics,
    )
    if traces.tracer is not None:  # outermost: the access-log line carries the trace id too
        app.add_middleware(TracingMiddleware, tracing=traces)
    return app
