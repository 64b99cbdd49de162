"""The demo: the emulator and the BFF on two local origins, with seeded orgs and users.

- ``pages``: the host app's pages (sign in, sign out, the page that embeds the builder);
- ``modes``: the two provisioning set-ups (generated admin key, or account key + registry);
- ``stack``: starts, seeds and stops the two servers (``craftkit-bff demo``).

Rule: only the ``craftkit-bff demo`` command imports this package; the BFF never does.
"""
