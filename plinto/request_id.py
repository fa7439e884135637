"""Request ids: taken from a well-formed X-Request-ID or generated, bound to every log line."""

import re
import uuid

import structlog
from django.core.signals import request_finished

# Accept a caller's id only when it is short and plain, so it cannot inject into log lines.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header_value):
    """Return `header_value` when it is a well-formed request id, or a new random one."""
    if header_value and _VALID_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def _clear_request_context(**kwargs):
    structlog.contextvars.clear_contextvars()


class RequestIdMiddleware:
    """Bind the request id to the log context and echo it in the X-Request-ID response header.

    The context is cleared when the response is closed (Django's request_finished signal), not
    when this middleware returns: Django logs 4xx and 5xx responses in its handler, after the
    middleware chain, and those lines must carry the id too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_clear_request_context, dispatch_uid="plinto.request_id.clear")

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id

        # A thread serves one request at a time, so anything bound before belongs to an old one.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
