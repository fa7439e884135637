from drf_spectacular.utils import extend_schema
from rest_framework.pagination import CursorPagination

from audit.models import AuditEvent
from plinto.api_views import problems

from ...roles import Permission
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
        wanted = filters.validated_data

        events = AuditEvent.objects.filter(organization_id=scope.organization.pk)
        if "actor" in wanted:
            events = events.filter(actor_id=wanted["actor"])
        if "action" in wanted:
            events = events.filter(action=wanted["action"])
        if "target" in wanted:
            events = events.filter(target_id=wanted["target"])
        if "since" in wanted:
            events = events.filter(created_at__gte=wanted["since"])
        if "until" in wanted:
            events = events.filter(created_at__lt=wanted["until"])

        paginator = AuditEventPages()
        rows = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(s.AuditEventSerializer(rows, many=True).data)
