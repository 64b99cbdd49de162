"""Transport to Craftkit: the one place that speaks HTTP to it, and nothing about what is said.

- ``client``: ``Upstream``, a call through the breaker with the answer bounded in time and
  size, JSON and streamed, translated into the BFF's error table;
- ``connections``: the pooled session, its retries, proxy and CA bundle, capped body reads;
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
