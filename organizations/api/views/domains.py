from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from plinto.api_views import problems

from ...models import Domain
from ...roles import Permission
from ...services import domains
from .. import serializers as s
from .base import OrgView


class DomainListView(OrgView):
    @extend_schema(responses={200: s.DomainSerializer(many=True), **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.DOMAINS_MANAGE)
        return self.page(scope.queryset(Domain), s.DomainSerializer)

    @extend_schema(
        request=s.DomainCreateSerializer, responses={201: s.DomainSerializer, **problems(400, 401, 403, 404, 409)}
    )
    def post(self, request, organization_id):
        scope = self.scope()
        data = s.DomainCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = domains.add_domain(request, scope, data.validated_data["domain"])
        return Response(s.DomainSerializer(row).data, status=status.HTTP_201_CREATED)


class DomainDetailView(OrgView):
    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request, organization_id, domain_id):
        domains.remove_domain(request, self.scope(), domain_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DomainVerifyView(OrgView):
    @extend_schema(request=None, responses={200: s.DomainSerializer, **problems(400, 401, 403, 404, 409, 503)})
    def post(self, request, organization_id, domain_id):
        row = domains.verify_domain(request, self.scope(), domain_id)
        return Response(s.DomainSerializer(row).data)
