from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from plinto.api_views import problems

from ...models import Membership
from ...roles import Permission
from ...services import member_factors, memberships
from .. import serializers as s
from .base import OrgView


class MemberListView(OrgView):
    @extend_schema(responses={200: s.MembershipSerializer(many=True), **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.MEMBERS_READ)
        rows = scope.queryset(Membership).values(*s.MEMBERSHIP_COLUMNS)
        return self.page(rows, render=s.membership_rows)


class MemberDetailView(OrgView):
    @extend_schema(responses={200: s.MembershipSerializer, **problems(401, 403, 404)})
    def get(self, request, organization_id, membership_id):
        scope = self.scope()
        scope.require(Permission.MEMBERS_READ)
        return Response(s.MembershipSerializer(scope.get(Membership, membership_id)).data)

    @extend_schema(
        request=s.RoleSerializer, responses={200: s.MembershipSerializer, **problems(400, 401, 403, 404, 409)}
    )
    def patch(self, request, organization_id, membership_id):
        scope = self.scope()
        data = s.RoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = memberships.change_role(request, scope, membership_id, data.validated_data["role"])
        return Response(s.MembershipSerializer(membership).data)

    @extend_schema(responses={204: None, **problems(401, 403, 404, 409)})
    def delete(self, request, organization_id, membership_id):
        memberships.remove_member(request, self.scope(), membership_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberResetMfaView(OrgView):
    @extend_schema(request=None, responses={200: s.MfaResetSerializer, **problems(401, 403, 404)})
    def post(self, request, organization_id, membership_id):
        removed = member_factors.reset_member_factors(request, self.scope(), membership_id)
        return Response(s.MfaResetSerializer({"removed_methods": removed}).data)
