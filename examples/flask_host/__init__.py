"""A host app with its own users that mounts craftkit-bff and embeds the builder (docs/flask.md)."""
