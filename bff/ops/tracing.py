"""Traces: W3C trace context on every call to Craftkit, and OpenTelemetry spans when asked.

Always: each call to Craftkit carries a ``traceparent``. In a browser request that came
with a valid one, it continues that trace (its trace id and sampled flag); otherwise the
request starts a trace of its own. Outside a request (commands), each call starts one.

With ``CRAFTKIT_OTEL=true`` (the ``otel`` extra) the process records spans through the
OpenTelemetry API and the tracer provider the process set up: a server span per browser
request (``POST /api/craftkit/session``, continuing its ``traceparent``),
``craftkit.key.resolve`` per key lookup, a client span per call to Craftkit (its context is
the ``traceparent`` sent), and what callers open with ``span()``, e.g.
``with span("craftkit.catalog.publish", org=org_id):``.
Attributes name the org and the route (and HTTP method and status), never a key, a token
or a body. The switch is the process's, as OpenTelemetry's provider is.

Hand-written: the ``traceparent`` parsing and formatting below. OpenTelemetry's propagator
does the same, but only in the optional extra, and a header is not worth installing it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from random import getrandbits
from typing import Any, TypeVar

from flask import g, has_request_context, request

from .._version import __version__
from ..extras import require

F = TypeVar("F", bound=Callable[..., Any])
# version-trace_id-parent_id-flags; a later version may append fields after a "-".
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_ENVIRON_KEY = "craftkit.traceparent"
_NEVER_AN_ATTRIBUTE = re.compile(r"key|token|secret|password|authorization|cookie", re.I)

_tracer: Any = None  # an OpenTelemetry Tracer while spans are recorded, else None


def use_opentelemetry() -> None:
    """Record spans through OpenTelemetry from now on, in this process (CRAFTKIT_OTEL).

    :raises ConfigError: the ``otel`` extra is not installed.
    """
    global _tracer
    require("opentelemetry.trace", "otel", "CRAFTKIT_OTEL=true")
    from opentelemetry import trace

    _tracer = trace.get_tracer("craftkit-bff", __version__)


def stop_recording() -> None:
    """Record no more spans (traceparent headers are still sent)."""
    global _tracer
    _tracer = None


def export_over_otlp() -> None:
    """Give a standalone BFF that records spans an OTLP exporter, unless one is set up.

    The exporter reads the standard variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
    ``OTEL_EXPORTER_OTLP_HEADERS``, ...); ``OTEL_SERVICE_NAME`` names the service
    (default ``craftkit-bff``). A process that set its own tracer provider keeps it.
    """
    if _tracer is None:
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    service = os.environ.get("OTEL_SERVICE_NAME", "craftkit-bff")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


@contextmanager
def span(name: str, *, org: str | None = None, route: str | None = None,
         **attributes: str | int | bool) -> Iterator[None]:
    """Run a block in a span of the current trace (nothing when spans are not recorded).

    ``org`` and ``route`` become ``craftkit.org`` and ``http.route``; other attributes are
    prefixed ``craftkit.``. A name that reads like a secret (key, token...) is refused.
    """
    if _tracer is None:
        yield
        return
    refused = [name for name in attributes if _NEVER_AN_ATTRIBUTE.search(name)]
    if refused:
        raise ValueError(f"span attributes may not carry secrets: {refused}")
    named = {f"craftkit.{k}": v for k, v in attributes.items()}
    named.update({k: v for k, v in (("craftkit.org", org), ("http.route", route)) if v})
    with _tracer.start_as_current_span(name, attributes=named, record_exception=False,
                                       set_status_on_exception=False) as current:
        try:
            yield
        except BaseException as error:
            _failed(current, error)
            raise


def in_key_span(resolve: F) -> F:
    """Decorate the key resolver's lookup (self, org_id, ...): one span per resolution."""
    @functools.wraps(resolve)
    def traced(self: Any, org_id: str, *args: Any, **kwargs: Any) -> Any:
        if _tracer is None:
            return resolve(self, org_id, *args, **kwargs)
        with span("craftkit.key.resolve", org=org_id):
            return resolve(self, org_id, *args, **kwargs)
    return traced  # type: ignore[return-value]


def traced_call(send: F) -> F:
    """Decorate Upstream.send: add ``traceparent`` to its headers, in a client span if on."""
    @functools.wraps(send)
    def traced(self: Any, method: str, *args: Any, label: str,
               headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        if _tracer is None:
            headers = {**(headers or {}), "traceparent": _traceparent()}
            return send(self, method, *args, label=label, headers=headers, **kwargs)
        from opentelemetry import propagate, trace

        attributes = {"http.request.method": method, "url.template": label}
        if has_request_context() and g.get("craftkit_org_id"):
            attributes["craftkit.org"] = g.craftkit_org_id
        with _tracer.start_as_current_span(
                f"{method} {label}", kind=trace.SpanKind.CLIENT, attributes=attributes,
                record_exception=False, set_status_on_exception=False) as current:
            headers = dict(headers or {})
            propagate.inject(headers)
            try:
                response = send(self, method, *args, label=label, headers=headers, **kwargs)
            except BaseException as error:
                _failed(current, error)
                raise
            current.set_attribute("http.response.status_code", response.status_code)
            return response
    return traced  # type: ignore[return-value]


def start_request() -> None:
    """Open the browser request's span, continuing its traceparent (when spans are on)."""
    if _tracer is None:
        return
    from opentelemetry import context, propagate, trace

    rule = request.url_rule.rule if request.url_rule else request.path
    current = _tracer.start_span(
        f"{request.method} {rule}", context=propagate.extract(request.headers),
        kind=trace.SpanKind.SERVER,
        attributes={"http.request.method": request.method, "http.route": rule})
    g.craftkit_span = current, context.attach(trace.set_span_in_context(current))


def end_request(status: int) -> None:
    """Close the browser request's span with its status and org."""
    if _tracer is None:
        return
    opened = g.pop("craftkit_span", None)
    if opened is None:
        return
    from opentelemetry import context, trace

    current, token = opened
    current.set_attribute("http.response.status_code", status)
    if g.get("craftkit_org_id"):
        current.set_attribute("craftkit.org", g.craftkit_org_id)
    if status >= 500:
        current.set_status(trace.StatusCode.ERROR)
    context.detach(token)
    current.end()


def parse_traceparent(header: str | None) -> tuple[str, str] | None:
    """Return (trace id, flags) of a valid W3C traceparent header, else None."""
    match = _TRACEPARENT.fullmatch(header) if header else None
    if match is None:
        return None
    version, trace_id, parent_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or not int(trace_id, 16) or not int(
            parent_id, 16):
        return None
    return trace_id, flags


def _traceparent() -> str:
    """The header for a call to Craftkit without spans: one per browser request.

    Ids come from ``random`` (as OpenTelemetry's own generator's do): they must be unique,
    not secret, and a system call per id would cost more than the rest of this module.
    """
    if not has_request_context():
        return f"00-{_new_id(128):032x}-{_new_id(64):016x}-00"
    environ = request.environ  # a plain dict: cheaper to keep the header in than flask.g
    value = environ.get(_ENVIRON_KEY)
    if value is None:
        trace_id, flags = parse_traceparent(environ.get("HTTP_TRACEPARENT")) or (
            f"{_new_id(128):032x}", "00")
        value = environ[_ENVIRON_KEY] = f"00-{trace_id}-{_new_id(64):016x}-{flags}"
    return value


def _new_id(bits: int) -> int:
    return getrandbits(bits) or 1  # all zeros is no id


def _failed(current: Any, error: BaseException) -> None:
    """Mark a span failed by the error's code or type, never its message (it may quote)."""
    from opentelemetry import trace

    what = getattr(error, "code", None) or type(error).__name__
    current.set_attribute("error.type", str(what))
    current.set_status(trace.StatusCode.ERROR, str(what))
