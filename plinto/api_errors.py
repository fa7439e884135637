"""RFC 9457 problem details for the API, with a stable machine `code` on every error."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
# A URN per code: stable, and not a link to a page that would have to exist.
PROBLEM_TYPE_BASE = "urn:plinto:problem:"

_DEFAULT_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_failed",
}


class ApiError(exceptions.APIException):
    """An error a service raises with its HTTP status, stable code and human message."""

    def __init__(self, status_code, code, detail, *, field=None, headers=None):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.code = code
        self.field = field
        self.headers = headers or {}


def problem(status_code, code, detail, *, title=None, errors=None, headers=None):
    """Build a problem-details DRF Response."""
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title or _title(status_code),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)
    return response


def _title(status_code):
    from http import HTTPStatus

    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _flatten_validation(detail, prefix=""):
    """Turn DRF's nested validation detail into a flat list of {field, code, message}."""
    errors = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            field = f"{prefix}.{name}" if prefix and name else (name or prefix)
            errors.extend(_flatten_validation(value, field))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)) and not isinstance(value, str):
                errors.extend(_flatten_validation(value, f"{prefix}[{index}]"))
            else:
                errors.extend(_flatten_validation(value, prefix))
    else:
        errors.append({"field": prefix or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)})
    return errors


def problem_exception_handler(exc, context):
    """DRF exception handler that renders every API error as problem details."""
    if isinstance(exc, RequestDataTooBig):
        # Django raises this while DRF reads the body. Unhandled, it becomes Django's HTML 400 page.
        return problem(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            "request_too_large",
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes; send a smaller body.",
        )

    response = exception_handler(exc, context)
    if response is None:
        return None  # Unexpected errors propagate to Django, which logs them and returns 500.

    headers = {key: value for key, value in response.items() if key in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, ApiError):
        errors = None
        if exc.field:
            errors = [{"field": exc.field, "code": exc.code, "message": str(exc.detail)}]
        return problem(exc.status_code, exc.code, str(exc.detail), errors=errors, headers={**headers, **exc.headers})

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten_validation(exc.detail)
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:5])
        return problem(status.HTTP_400_BAD_REQUEST, "validation_failed", summary, errors=errors, headers=headers)

    code = _DEFAULT_CODES.get(type(exc))
    detail_code = exc.get_codes() if hasattr(exc, "get_codes") else None
    if isinstance(detail_code, str) and detail_code not in ("invalid", "error", "authentication_failed"):
        code = detail_code
    code = code or "error"
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return problem(response.status_code, code, detail, headers=headers)


def json_bad_request(request, exception=None):
    """Render a 400 raised outside DRF as problem details under /api/, and as Django's page elsewhere."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig
    from django.views.defaults import bad_request

    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return _plain_problem(
                400, "request_too_large", f"The request body is larger than {limit} bytes; send a smaller one."
            )
        return _plain_problem(400, "bad_request", "The request could not be processed; check its headers and body.")

    return bad_request(request, exception)


def json_not_found(request, exception=None):
    """A 404 for paths outside any view; problem details under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(404, "not_found", f"No endpoint at {request.path}.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_server_error(request):
    if request.path.startswith("/api/"):
        return _plain_problem(500, "server_error", "An unexpected error occurred; the request id names it in the logs.")
    from django.views.defaults import server_error

    return server_error(request)


def _plain_problem(status_code, code, detail):
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": _title(status_code),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
