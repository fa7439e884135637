from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from plinto.api_views import no_store, problems

from ...models import ApiKey
from ...roles import Permission
from ...services import api_keys
from .. import serializers as s
from .base import OrgView


class ApiKeyListView(OrgView):
    @extend_schema(responses={200: s.ApiKeySerializer(many=True), **problems(401, 403, 404)})
    def get(self, request, organization_id):
        scope = self.scope()
        scope.require(Permission.API_KEYS_MANAGE)
        return self.page(scope.queryset(ApiKey), s.ApiKeySerializer, ordering=("-created_at", "id"))

    @extend_schema(
        request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer, **problems(400, 401, 403, 404)}
    )
    def post(self, request, organization_id):
        scope = self.scope()
        data = s.ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, plaintext = api_keys.create_api_key(request, scope, **data.validated_data)
        key.key = plaintext
        return no_store(Response(s.ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED))


class ApiKeyDetailView(OrgView):
    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request, organization_id, key_id):
        api_keys.revoke_api_key(request, self.scope(), key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
