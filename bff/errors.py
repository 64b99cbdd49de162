"""The exception tree of the BFF and the one handler that renders it as JSON."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger("bff")

# Craftkit refusing a proxied call (a 4xx) is ``craftkit_<route>_failed``: each browser route
# names its own (bff/api/routes.py), so there is no constant per route here.
# Werkzeug errors without a class of their own below (e.g. 400 from a malformed request).
HTTP_ERROR = "http_error"


class BffError(Exception):
    """Base of every error the BFF answers with: a status, a code and a safe message."""

    status = 500
    code = "internal_error"
    message = "The BFF failed unexpectedly; try again, and report it if it persists."

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 code: str | None = None, upstream_code: str | None = None) -> None:
        self.message = message or self.message
        self.status = status or self.status
        self.code = code or self.code
        self.upstream_code = upstream_code
        super().__init__(self.message)

    def to_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.upstream_code:
            body["upstream_code"] = self.upstream_code
        return body


class InvalidJson(BffError):
    status, code = 400, "invalid_json"
    message = "The request body must be a JSON object."


class InvalidRequest(BffError):
    status, code = 400, "invalid_request"


class Unauthenticated(BffError):
    status, code = 401, "unauthenticated"
    message = "Sign in first: no valid identity came with this request."


class Forbidden(BffError):
    status, code = 403, "forbidden"
    message = "You are not allowed to do this."


class NotFound(BffError):
    status, code = 404, "not_found"
    message = "There is no such route."


class MethodNotAllowed(BffError):
    status, code = 405, "method_not_allowed"
    message = "This route does not accept that method."


class RefreshRejected(BffError):
    status, code = 409, "craftkit_refresh_rejected"
    message = "The session can no longer be refreshed; mint a new one."


class RequestTimeout(BffError):
    """The request's body did not arrive whole in time (``craftkit-bff serve``'s gate)."""

    status, code = 408, "request_timeout"
    message = "The request body did not arrive in time; send the request again."


class PayloadTooLarge(BffError):
    status, code = 413, "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(BffError):
    status, code = 415, "unsupported_media_type"
    message = "Send the body as JSON with Content-Type: application/json."


class UpstreamRejected(BffError):
    """Craftkit refused the request (a 4xx): its status, the route's failure code, its code."""

    status = 400
    message = "Craftkit rejected the request."

    def __init__(self, message: str | None = None, *, code: str, status: int | None = None,
                 upstream_code: str | None = None) -> None:
        # No default code: the route that made the call names its own (see bff/api).
        super().__init__(message, status=status, code=code, upstream_code=upstream_code)


class KeyRejected(BffError):
    """Craftkit answered 401/403 to a project key: evict it and retry, else a 502."""

    status, code = 502, "craftkit_upstream_error"
    message = "Craftkit rejected the BFF's credentials for this org."
    KEY_CODES = (None, "unauthorized", "forbidden", "invalid_api_key")
    EMBED_OFF_CODES = ("embed_not_enabled",)

    @property
    def about_key(self) -> bool:
        """Tell whether Craftkit blamed the key itself (not, say, a renew token)."""
        return self.upstream_code in self.KEY_CODES

    @property
    def embed_mode_off(self) -> bool:
        """Tell whether Craftkit refused because the project's embed mode is off."""
        return self.upstream_code in self.EMBED_OFF_CODES


class CatalogFailed(BffError):
    """The org's variable catalog could not be published, so no session was minted.

    Its status says whether trying again may help: Craftkit's own 4xx when it refused the
    catalog (fix the file), else 502/503/504 like the failure behind it.
    """

    status, code = 502, "craftkit_catalog_failed"
    message = ("The org's variable catalog could not be published to Craftkit; try again "
               "shortly.")

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 code: str | None = None, upstream_code: str | None = None,
                 retry_after: int = 0) -> None:
        super().__init__(message, status=status, code=code, upstream_code=upstream_code)
        self.retry_after = retry_after


class EmbedModeOff(BffError):
    """Craftkit refused to mint a session because the org's project has embed mode off.

    A setup step, not a key problem: no key is evicted or replaced for it.
    """

    status, code = 502, "craftkit_embed_mode_off"
    message = ("Embed mode is off for this org's Craftkit project; an operator must switch "
               "it on (Craftkit dashboard: Project, Embed, Enable embed mode).")


class ProvisionFailed(BffError):
    status, code = 502, "craftkit_provision_failed"
    message = "The org's Craftkit project could not be resolved; try again shortly."


class UpstreamFailure(BffError):
    """No usable answer came back from Craftkit: a timeout, an outage, a broken or 5xx answer.

    The contract every caller keeps: **the answer may be lost, not the request.** Craftkit
    may have received the call and carried it out, and only its answer failed to arrive, so
    a caller treats the call as perhaps done. It may repeat what is idempotent (a read, the
    admin provision); it never re-sends a create (``POST /v1/projects`` makes a second
    project): it looks for what the first one made before anything else
    (bff/credentials/account.py).
    """


class UpstreamError(UpstreamFailure):
    status, code = 502, "craftkit_upstream_error"
    message = "Craftkit answered with an error or an unreadable response."


class UpstreamUnavailable(UpstreamFailure):
    """Craftkit is down (or the breaker paused calls to it): a 503 with Retry-After."""

    status, code = 503, "craftkit_unavailable"
    message = "Craftkit cannot be reached right now; try again shortly."

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 code: str | None = None, upstream_code: str | None = None,
                 retry_after: int = 1) -> None:
        super().__init__(message, status=status, code=code, upstream_code=upstream_code)
        self.retry_after = retry_after


class UpstreamTimeout(UpstreamFailure):
    status, code = 504, "craftkit_timeout"
    message = "Craftkit did not answer in time; try again shortly."


class KeyResolutionTimeout(BffError):
    """A request waited its bound for another one to resolve the same org's key."""

    status, code = 504, "craftkit_timeout"
    message = ("The org's Craftkit project is still being resolved by another request; "
               "try again shortly.")


class KeyStoreUnavailable(BffError):
    """The shared key store could not be reached for an operator's change (never a route)."""

    status, code = 503, "key_store_unavailable"
    message = "The shared key store (Redis) cannot be reached; the change was not made."


class TenantDeprovisioned(BffError):
    """An operator deprovisioned the org: the BFF refuses it rather than re-create it."""

    status, code = 403, "tenant_deprovisioned"
    message = ("This org's Craftkit project was deprovisioned by an operator; ask them to "
               "provision it again.")


class ProvisionPending(BffError):
    """Another worker is creating the org's project and did not finish within the wait."""

    status, code = 503, "craftkit_provision_pending"
    message = ("The org's Craftkit project is still being created by another request; try "
               "again in a few seconds.")


class RegistryUnavailable(BffError):
    """The tenant registry (SQLite file or PostgreSQL) cannot be reached or timed out."""

    status, code = 503, "registry_unavailable"
    message = "The tenant registry cannot be reached; try again shortly."


class RegistryRefusedValue(BffError):
    """The tenant registry refused a value (too long, or not text it can store): a bug or
    an input no check caught, never an outage, so not registry_unavailable."""

    status, code = 500, "registry_refused_value"
    message = ("The tenant registry refused a value for this org; the operator must look at "
               "the BFF's log.")


class RegistrySecretMismatch(BffError):
    """A registry row (or the registry's key check) does not open with the configured secret."""

    status, code = 500, "registry_secret_mismatch"
    message = ("The tenant registry cannot be decrypted with CRAFTKIT_REGISTRY_SECRET (nor "
               "CRAFTKIT_REGISTRY_SECRET_PREVIOUS); the operator must set the secret it was "
               "written with.")


class DownloadsBusy(BffError):
    """Every download slot of this worker is in use (see bff/api/slots.py)."""

    status, code = 503, "downloads_busy"
    message = "Too many downloads are in progress on this server; try again in a few seconds."


_HTTP_ERRORS = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge,
                415: UnsupportedMediaType}


def render_error(error: BffError) -> Response:
    """Turn a BffError into its JSON response (the only place errors are rendered)."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    response.headers["Cache-Control"] = "no-store"
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def render_http_exception(exc: HTTPException) -> Response:
    """Render werkzeug's routing errors on BFF routes in the same JSON shape."""
    error_class = _HTTP_ERRORS.get(exc.code or 500)
    if error_class is None:
        return render_error(BffError(status=exc.code, code=HTTP_ERROR,
                                     message=exc.name + "."))
    response = render_error(error_class())
    allowed = getattr(exc, "valid_methods", None)  # werkzeug's MethodNotAllowed has them
    if exc.code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def render_unexpected(exc: Exception) -> Response:
    """Log an unexpected failure with its traceback and answer a generic 500."""
    log.exception("unexpected %s while serving a BFF route", type(exc).__name__)
    return render_error(BffError())


def register_error_handlers(target: Flask | Blueprint) -> None:
    """Register the JSON error handlers on an app or blueprint."""
    target.register_error_handler(BffError, render_error)
    target.register_error_handler(HTTPException, render_http_exception)
    target.register_error_handler(Exception, render_unexpected)
