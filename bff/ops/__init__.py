"""What operators watch: metrics, logs, request lines, traces.

- ``metrics``: Prometheus series (labelled by route template, never by a formatted path);
- ``logs``: log set-up for a process that runs the BFF (text or JSON lines), or for only
  the BFF's loggers in a host app (``log_requests``);
- ``requestlog``: request ids and the one log line per browser request;
- ``tracing``: the ``traceparent`` sent on every call to Craftkit, and OpenTelemetry spans
  when ``CRAFTKIT_OTEL`` is on (``span()`` for callers).

The servers that run the app are in ``bff.serving``.

Rule: instrumentation only; nothing here decides how a request is answered.
"""
