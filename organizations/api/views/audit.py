from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from plinto.api_views import no_store, problems

from ...models import AuditExport
from ...roles import Permission
from ...services import audit_log
from .. import serializers as s
from .base import OrgView


class AuditEventPages(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    # The id grows with insertion, so it orders events exactly and uses audit_org_recent_idx.
    ordering = "-id"


class AuditEventListView(OrgView):
    @extend_schema(
        parameters=[s.AuditEventFilterSerializer],
        responses={200: s.AuditEventSerializer(many=True), **problems(400, 401, 403, 404)},
    )
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.AUDIT_READ)
        filters = s.AuditEventFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = audit_log.filter_events(scope.organization.pk, filters.validated_data)

        paginator = AuditEventPages()
        rows = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(s.AuditEventSerializer(rows, many=True).data)


class AuditExportListView(OrgView):
    @extend_schema(responses={200: s.AuditExportSerializer(many=True), **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.AUDIT_EXPORT)
        return no_store(self.page(scope.queryset(AuditExport), s.AuditExportSerializer, ordering=("-created_at", "id")))

    @extend_schema(
        request=s.AuditExportCreateSerializer, responses={202: s.AuditExportSerializer, **problems(400, 401, 403, 404)}
    )
    def post(self, request, organization_id):
        scope = self.scope()
        data = s.AuditExportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = dict(data.validated_data)
        fmt = filters.pop("format")
        export = audit_log.request_export(request, scope, fmt=fmt, filters=filters)
        export.refresh_from_db()
        return no_store(Response(s.AuditExportSerializer(export).data, status=status.HTTP_202_ACCEPTED))


class AuditExportDetailView(OrgView):
    @extend_schema(responses={200: s.AuditExportSerializer, **problems(401, 403, 404)})
    def get(self, request, organization_id, export_id):
        scope = self.scope()
        scope.require(Permission.AUDIT_EXPORT)
        return no_store(Response(s.AuditExportSerializer(scope.get(AuditExport, export_id)).data))


class AuditExportDownloadView(APIView):
    """The signed link is the credential, so the link works without a token for a few minutes."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **problems(404)},
    )
    def get(self, request):
        export, handle = audit_log.open_download(request, request.query_params.get("token", ""))
        content_type = "text/csv" if export.format == "csv" else "application/x-ndjson"
        response = FileResponse(
            handle, as_attachment=True, filename=f"audit-{export.pk}.{export.format}", content_type=content_type
        )
        return no_store(response)
