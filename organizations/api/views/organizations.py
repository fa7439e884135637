from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from plinto.api_views import problems

from ...roles import Permission
from ...services import organizations
from .. import serializers as s
from .base import OrgView


class OrganizationListView(APIView):
    """The organizations of the logged-in user; anyone logged in may create one."""

    @extend_schema(responses={200: s.MyOrganizationSerializer(many=True), **problems(401)})
    def get(self, request):
        memberships = organizations.organizations_of(request.user)
        body = [{"organization": m.organization, "role": m.role} for m in memberships]
        return Response(s.MyOrganizationSerializer(body, many=True).data)

    @extend_schema(
        request=s.OrganizationCreateSerializer, responses={201: s.OrganizationSerializer, **problems(400, 401, 409)}
    )
    def post(self, request):
        data = s.OrganizationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organizations.create_organization(request, request.user, **data.validated_data)
        return Response(s.OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailView(OrgView):
    @extend_schema(responses={200: s.OrganizationSerializer, **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.ORGANIZATION_READ)
        return Response(s.OrganizationSerializer(scope.organization).data)

    @extend_schema(
        request=s.OrganizationUpdateSerializer,
        responses={200: s.OrganizationSerializer, **problems(400, 401, 403, 404)},
    )
    def patch(self, request, organization_id):
        scope = self.scope()
        data = s.OrganizationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organizations.update_organization(request, scope, data.validated_data)
        return Response(s.OrganizationSerializer(organization).data)


class OrganizationDeactivateView(OrgView):
    @extend_schema(request=None, responses={204: None, **problems(401, 403, 404)})
    def post(self, request, organization_id):
        organizations.deactivate_organization(request, self.scope())
        return Response(status=status.HTTP_204_NO_CONTENT)
