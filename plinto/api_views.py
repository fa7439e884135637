"""Shared pieces for API views: credential-response headers and the problem-details schema."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

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


def no_store(response):
    """Mark a response that carries credentials as never to be cached."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


sensitive = method_decorator(sensitive_post_parameters(), name="dispatch")
