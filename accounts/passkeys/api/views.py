"""Thin passkey API views: each validates its input and calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import TokenPairSerializer
from plinto.api_views import no_store, problems, sensitive

from .. import services
from . import serializers as s


def _options(public_key):
    return no_store(Response({"public_key": public_key}))


class RegisterOptionsView(APIView):
    @extend_schema(request=None, responses={200: s.PasskeyOptionsSerializer, **problems(401, 403, 409)})
    def post(self, request):
        public_key = services.begin_registration(request, request.user, request.auth_session)
        return _options(public_key)


class RegisterView(APIView):
    @extend_schema(
        request=s.PasskeyRegisterSerializer, responses={201: s.PasskeySerializer, **problems(400, 401, 403, 409)}
    )
    def post(self, request):
        data = s.PasskeyRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passkey = services.finish_registration(
            request,
            request.user,
            request.auth_session,
            data.validated_data["credential"],
            data.validated_data.get("name", ""),
        )
        return Response(s.PasskeySerializer(passkey).data, status=status.HTTP_201_CREATED)


class AuthenticateOptionsView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: s.PasskeyOptionsSerializer, **problems(429)})
    def post(self, request):
        return _options(services.begin_authentication(request))


@sensitive
class AuthenticateView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.PasskeyAuthenticateSerializer,
        responses={200: TokenPairSerializer, **problems(400, 401, 403, 429)},
    )
    def post(self, request):
        data = s.PasskeyAuthenticateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = services.authenticate_passwordless(request, data.validated_data["credential"])
        return no_store(Response(body))


class PasskeyListView(APIView):
    @extend_schema(responses={200: s.PasskeySerializer(many=True), **problems(401)})
    def get(self, request):
        return Response(s.PasskeySerializer(services.list_passkeys(request.user), many=True).data)


class PasskeyDetailView(APIView):
    @extend_schema(responses={200: s.PasskeySerializer, **problems(401, 404)})
    def get(self, request, passkey_id):
        return Response(s.PasskeySerializer(services.find_passkey(request.user, passkey_id)).data)

    @extend_schema(request=s.PasskeyRenameSerializer, responses={200: s.PasskeySerializer, **problems(400, 401, 404)})
    def patch(self, request, passkey_id):
        data = s.PasskeyRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passkey = services.find_passkey(request.user, passkey_id)
        passkey = services.rename_passkey(request, passkey, data.validated_data["name"].strip())
        return Response(s.PasskeySerializer(passkey).data)

    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request, passkey_id):
        passkey = services.find_passkey(request.user, passkey_id)
        services.remove_passkey(request, passkey)
        return Response(status=status.HTTP_204_NO_CONTENT)
