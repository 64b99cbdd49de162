"""The processes around the app: ``craftkit-bff serve`` and what gunicorn shares with it.

- ``serve``: the BFF under granian, one app per worker process, by default behind the gate;
- ``gate``: granian's ASGI side in front of the WSGI app: each request's body gathered on
  the event loop (within CRAFTKIT_BODY_TIMEOUT and CRAFTKIT_MAX_BODY) before a thread
  takes it; ``pool``: the worker's threads; ``answers``: an answer's way back, a
  download's chunks under granian's backpressure and the stall limit;
- ``processes``: bind addresses, worker counts, the metrics directory, the graceful stop
  timeout and the secrets a worker drops from its environment (gunicorn's shipped
  configuration, ``bff.gunicorn_conf``, uses these too).

Rule: this package sits above the app: it builds apps (``bff.create_app``) and is imported
by no module the app runs. Nothing here loads Flask or the metrics library at import time
(the metrics directory must be in the environment first), so the app is imported inside
the functions that build it.
"""
