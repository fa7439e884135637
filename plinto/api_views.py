"""Shared pieces for API views: credential-response headers and the problem-details schema."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from .api_errors import PROBLEM_CONTENT_TYPE

PROBLEM = OpenApiResponse(
    response=inline_serializer(
        "Problem",
        {
            "type": serializers.CharField(),
            "title": serializers.CharField(),
            "status": serializers.IntegerField(),
            "detail": serializers.CharField(),
            "code": serializers.CharField(),
            "errors": serializers.ListField(
                child=inline_serializer(
                    "ProblemFieldError",
                    {
                        "field": serializers.CharField(allow_null=True),
                        "code": serializers.CharField(),
                        "message": serializers.CharField(),
                    },
                ),
                required=False,
            ),
        },
    ),
    description="RFC 9457 problem details with a stable `code`.",
)


def problems(*statuses):
    return {status: PROBLEM for status in statuses}


def document_problem_media_type(result, generator, request, public):
    """Move every problem response of the schema from application/json to application/problem+json.

    drf-spectacular documents each response as application/json unless its key in `responses` is a
    (status, media type) pair. Such keys make it pick a problem as the operation's main response,
    which renames list operations (sessions_list becomes sessions_retrieve), so this postprocessing
    hook changes the media type after the schema is built.
    """
    problem_ref = "#/components/schemas/Problem"
    for path_item in result.get("paths", {}).values():
        # A path item may also contain `parameters`, `summary` and other keys that are not operations.
        operations = [value for value in path_item.values() if isinstance(value, dict)]
        for operation in operations:
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema", {}).get("$ref") == problem_ref:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
    return result


def no_store(response):
    """Mark a response that carries credentials as never to be cached."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


sensitive = method_decorator(sensitive_post_parameters(), name="dispatch")
