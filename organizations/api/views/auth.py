from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import TokenPairSerializer
from plinto.api_views import no_store, problems

from ...services.sessions import switch_organization
from .. import serializers as s


class SwitchOrganizationView(APIView):
    """Tokens for another organization of the user; the current session is revoked."""

    @extend_schema(
        request=s.SwitchOrganizationSerializer, responses={200: TokenPairSerializer, **problems(400, 401, 403)}
    )
    def post(self, request):
        data = s.SwitchOrganizationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = switch_organization(request, request.user, request.auth_session, data.validated_data["organization"])
        return no_store(Response(body))
