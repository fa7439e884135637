from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from plinto.api_views import problems, sensitive

from ...models import Invitation
from ...roles import Permission
from ...services import invitations
from .. import serializers as s
from .base import OrgView


class InvitationListView(OrgView):
    @extend_schema(responses={200: s.InvitationSerializer(many=True), **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.INVITATIONS_MANAGE)
        return self.page(scope.queryset(Invitation), s.InvitationSerializer, ordering=("-created_at", "id"))

    @extend_schema(
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def post(self, request, organization_id):
        scope = self.scope()
        data = s.InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitations.create_invitation(request, scope, **data.validated_data)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(OrgView):
    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request, organization_id, invitation_id):
        invitations.revoke_invitation(request, self.scope(), invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    """Accept as the logged-in user, who must own the invited address."""

    @extend_schema(
        request=s.InvitationAcceptSerializer, responses={200: s.MembershipSerializer, **problems(400, 401, 403)}
    )
    def post(self, request):
        data = s.InvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = invitations.accept_as_existing_user(request, request.user, data.validated_data["token"])
        return Response(s.MembershipSerializer(membership).data)


@sensitive
class InvitationRegisterView(APIView):
    """Create an account for the invited address and accept, for people without an account."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.InvitationRegisterSerializer, responses={201: s.MembershipSerializer, **problems(400, 409, 429)}
    )
    def post(self, request):
        data = s.InvitationRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, membership = invitations.accept_as_new_user(request, **data.validated_data)
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)
