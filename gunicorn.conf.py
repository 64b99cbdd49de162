"""gunicorn reads this file from the working directory: the settings shipped in the package."""

from bff.gunicorn_conf import *  # noqa: F403
from bff.gunicorn_conf import child_exit, on_exit, post_fork  # noqa: F401  (hooks, by name)
