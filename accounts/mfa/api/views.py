"""Thin API views for second factors: the login step, step-up, and managing one's own factors."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MfaRequiredSerializer
from plinto.api_views import no_store, problems, sensitive

from .. import challenges, services
from . import serializers as s


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


def _accepted(detail):
    return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="MfaVerifyResult",
    serializers=[s.MfaTokenPairSerializer, MfaRequiredSerializer],
    resource_type_field_name=None,
)


@sensitive
class MfaVerifyView(PublicView):
    @extend_schema(request=s.MfaVerifySerializer, responses={200: LOGIN_RESULT, **problems(400, 401, 429)})
    def post(self, request):
        data = s.MfaVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = challenges.verify_challenge(request, **data.validated_data)
        return no_store(Response(body))


class MfaChallengeView(PublicView):
    @extend_schema(
        request=s.MfaTokenMethodSerializer,
        responses={200: s.MfaChallengeResultSerializer, 202: s.MfaChallengeResultSerializer, **problems(400, 401, 429)},
    )
    def post(self, request):
        data = s.MfaTokenMethodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        public_key = challenges.send_challenge(request, **data.validated_data)
        if public_key is not None:
            # A passkey: the client signs these options with navigator.credentials.get().
            return no_store(Response({"public_key": public_key}))
        return _accepted("A code is on its way.")


@sensitive
class MfaLoginEnrollView(PublicView):
    @extend_schema(
        request=s.MfaTokenMethodSerializer, responses={200: s.TOTPSetupSerializer, **problems(400, 401, 409)}
    )
    def post(self, request):
        data = s.MfaTokenMethodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return no_store(Response(challenges.start_login_enrollment(request, **data.validated_data)))


@sensitive
class ReauthenticateView(APIView):
    @extend_schema(
        request=s.ReauthenticateSerializer, responses={200: s.AccessTokenSerializer, **problems(400, 401, 429)}
    )
    def post(self, request):
        data = s.ReauthenticateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = services.reauthenticate(request, request.user, **data.validated_data)
        return no_store(Response(body))


class FactorStatusView(APIView):
    @extend_schema(responses={200: s.FactorStatusSerializer, **problems(401)})
    def get(self, request):
        return Response(services.factor_status(request.user))


class TOTPView(APIView):
    @extend_schema(request=None, responses={200: s.TOTPSetupSerializer, **problems(401, 409, 429)})
    def post(self, request):
        return no_store(Response(services.start_totp_setup(request, request.user)))

    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request):
        services.remove_method(request, request.user, "totp")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TOTPConfirmView(APIView):
    @extend_schema(
        request=s.CodeSerializer, responses={200: s.TOTPConfirmedSerializer, **problems(400, 401, 403, 409, 429)}
    )
    def post(self, request):
        data = s.CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return no_store(Response(services.confirm_totp(request, request.user, data.validated_data["code"])))


class BackupCodesView(APIView):
    @extend_schema(responses={200: s.BackupCodeStatusSerializer, **problems(401)})
    def get(self, request):
        return Response(services.factor_status(request.user)["backup_codes"])

    @extend_schema(request=None, responses={200: s.BackupCodesSerializer, **problems(401, 403, 409)})
    def post(self, request):
        return no_store(Response(services.regenerate_backup_codes(request, request.user)))

    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request):
        services.remove_method(request, request.user, "backup_code")
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailCodesView(APIView):
    @extend_schema(request=None, responses={201: None, 204: None, **problems(401, 403, 409)})
    def post(self, request):
        created = services.enable_email_codes(request, request.user)
        return Response(status=status.HTTP_201_CREATED if created else status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request):
        services.remove_method(request, request.user, "email")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SMSView(APIView):
    @extend_schema(responses={200: s.SMSStatusSerializer, **problems(401, 404)})
    def get(self, request):
        return Response(services.sms_status(request.user))

    @extend_schema(
        request=s.SMSSetupSerializer, responses={202: s.SMSSetupStartedSerializer, **problems(400, 401, 409, 429)}
    )
    def post(self, request):
        data = s.SMSSetupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = services.start_sms_setup(request, request.user, data.validated_data["phone_number"])
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={204: None, **problems(401, 403, 404)})
    def delete(self, request):
        services.remove_method(request, request.user, "sms")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SMSConfirmView(APIView):
    @extend_schema(
        request=s.CodeSerializer, responses={200: s.SMSConfirmedSerializer, **problems(400, 401, 403, 409, 429)}
    )
    def post(self, request):
        data = s.CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return no_store(Response(services.confirm_sms(request, request.user, data.validated_data["code"])))
