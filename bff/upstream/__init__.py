"""Transport to Craftkit: the one place that speaks HTTP to it, and nothing about what is said.

- ``client``: ``Upstream``, a call through the breaker with the answer bounded in time and
  size, JSON and streamed, translated into the BFF's error table; ``reply``: the answer as
  the BFF reads it, whichever transport brought it;
- ``lean``: the lean transport for calls straight to Craftkit (pooled keep-alive sockets),
  with ``writing`` (the request's bytes, as requests would prepare them), ``wire`` (one
  connection's socket and buffer), ``head`` (status, headers, framing) and ``framing`` (the
  body read as its head frames it);
- ``connections``: the requests session (proxies, test doubles such as ``responses``), its
  retries and CA bundle, capped body reads;
- ``stream``: a download's body relayed in constant memory;
- ``budgets``: read deadlines a dripping answer cannot stretch;
- ``failures``: transport exceptions and Craftkit's error answers as ``BffError``s;
- ``breaker``: the circuit breaker (the Redis key store reuses it);
- ``health``: Craftkit's health as last probed, for /readyz.

Rule: no Craftkit vocabulary here. The admin provision API and the account API live beside
their one user in ``bff.credentials``; the embed endpoints are declared with the browser
routes in ``bff.api.routes``.
"""

from __future__ import annotations

from .client import Upstream

__all__ = ["Upstream"]
