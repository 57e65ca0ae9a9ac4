"""OpenTelemetry traces: one span per request, with children for its parts; free when off.

The app builds one ``Tracing`` (its own ``TracerProvider``, never the process-global one, so two
apps in one process don't share spans) and the request-context middleware makes its tracer the
current one for the request through a context variable. Code deeper down opens child spans with
``span(...)``: when tracing is off (the default) that is a shared no-op context manager, so
instrumented hot paths pay one context-variable read.

Attributes follow the OpenTelemetry GenAI semantic conventions where they apply
(``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.request.model``,
``gen_ai.usage.input_tokens``, ...). Export is OTLP over HTTP to ``otlp_endpoint``; tests pass an
in-memory exporter instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from llm_gateway import __version__
from llm_gateway.core.config.base import TelemetrySettings

_CURRENT: ContextVar[Tracer | None] = ContextVar("llmgw_tracer", default=None)
_OFF: contextlib.nullcontext[None] = contextlib.nullcontext()
_PROPAGATOR = TraceContextTextMapPropagator()
AttributeValue = str | bool | int | float


class Tracing:
    """The app's tracer provider, or nothing at all when tracing is off."""

    def __init__(self, settings: TelemetrySettings, exporter: SpanExporter | None = None) -> None:
        self.provider: TracerProvider | None = None
        self.tracer: Tracer | None = None
        if exporter is None and not settings.tracing_enabled:
            return
        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": settings.service_name, "service.version": __version__}
            ),
            sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
        )
        if exporter is not None:  # tests: spans are visible as soon as they end
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter,  # imported only when tracing is on: it pulls in requests
            )

            headers = dict(settings.otlp_headers)
            provider.add_span_processor(
                BatchSpanProcessor(
                    OTLPSpanExporter(endpoint=settings.otlp_endpoint, headers=headers)
                )
            )
        self.provider = provider
        self.tracer = provider.get_tracer("llm_gateway", __version__)

    def shutdown(self) -> None:
        """Flush what is buffered and stop exporting (lifespan shutdown)."""
        if self.provider is not None:
            self.provider.shutdown()


def activate(tracer: Tracer) -> Token[Tracer | None]:
    """Make ``tracer`` the one ``span`` uses in this context (the middleware, per request)."""
    return _CURRENT.set(tracer)


def deactivate(token: Token[Tracer | None]) -> None:
    _CURRENT.reset(token)


def span(
    name: str, attributes: Mapping[str, AttributeValue] | None = None
) -> contextlib.AbstractContextManager[Span | None]:
    """A child span of the current one, or a no-op when this request is not traced."""
    tracer = _CURRENT.get()
    if tracer is None:
        return _OFF
    return tracer.start_as_current_span(name, attributes=attributes)


@contextlib.contextmanager
def server_span(
    tracer: Tracer, name: str, headers: Mapping[str, str], attributes: Mapping[str, Any]
) -> Iterator[Span]:
    """The root span of one request, continuing the caller's ``traceparent`` if it sent one."""
    parent = _PROPAGATOR.extract(headers)
    with tracer.start_as_current_span(
        name, context=parent, kind=SpanKind.SERVER, attributes=attributes
    ) as root:
        yield root


def set_attributes(attributes: Mapping[str, AttributeValue | None]) -> None:
    """Add attributes to the current span, if this request is traced (None values skipped)."""
    if _CURRENT.get() is None:
        return
    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes({k: v for k, v in attributes.items() if v is not None})


def trace_id(root: Span) -> str | None:
    """The 32-hex-digit trace id of ``root``, or None when it is not sampled."""
    context = root.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
