"""What operators watch and run: metrics, logs, request lines, traces, the server's processes.

- ``metrics``: Prometheus series (labelled by route template, never by a formatted path);
- ``logs``: log set-up for a process that runs the BFF (text or JSON lines), or for only
  the BFF's loggers in a host app (``log_requests``);
- ``requestlog``: request ids and the one log line per browser request;
- ``tracing``: the ``traceparent`` sent on every call to Craftkit, and OpenTelemetry spans
  when ``CRAFTKIT_OTEL`` is on (``span()`` for callers);
- ``server``: ``craftkit-bff serve`` on granian, and the process helpers gunicorn's
  configuration shares (workers, metrics directory, graceful timeout).

Rule: instrumentation only; nothing here decides how a request is answered.
"""
