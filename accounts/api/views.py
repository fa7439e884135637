"""Thin API views: each validates its input and calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from plinto.api_views import no_store, problems, sensitive

from ..services import login, passwords, profile, registration, sessions
from . import serializers as s


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


def _accepted(detail):
    return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


@sensitive
class RegisterView(PublicView):
    @extend_schema(request=s.RegisterSerializer, responses={202: s.AcceptedSerializer, **problems(400, 429)})
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration.register(request, **data.validated_data)
        return _accepted("Check your inbox: a verification link was sent to this address.")


class VerifyEmailView(PublicView):
    @extend_schema(request=s.TokenSerializer, responses={200: s.UserSerializer, **problems(400, 409)})
    def post(self, request):
        data = s.TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = registration.verify_email(request, data.validated_data["token"])
        return Response(s.UserSerializer(user).data)


class ResendVerificationView(PublicView):
    @extend_schema(request=s.EmailSerializer, responses={202: s.AcceptedSerializer, **problems(400, 429)})
    def post(self, request):
        data = s.EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration.resend_verification(request, data.validated_data["email"])
        return _accepted("If this address has an unverified account, a new link is on its way.")


@sensitive
class LoginView(PublicView):
    @extend_schema(request=s.LoginSerializer, responses={200: s.LOGIN_RESULT, **problems(400, 401, 403, 429, 503)})
    def post(self, request):
        data = s.LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = login.login_with_password(request, **data.validated_data)
        return no_store(Response(body))


@sensitive
class RefreshView(PublicView):
    @extend_schema(request=s.RefreshSerializer, responses={200: s.TokenPairSerializer, **problems(400, 401)})
    def post(self, request):
        data = s.RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = sessions.refresh_session(request, data.validated_data["refresh_token"])
        return no_store(Response(body))


class LogoutView(APIView):
    @extend_schema(request=s.LogoutSerializer, responses={204: None, **problems(400, 401)})
    def post(self, request):
        data = s.LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["all_sessions"]:
            sessions.revoke_user_sessions(request.user, reason=sessions.RevokeReason.LOGOUT_ALL, request=request)
        else:
            sessions.revoke_session(request.auth_session, reason=sessions.RevokeReason.LOGOUT, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordForgotView(PublicView):
    @extend_schema(request=s.EmailSerializer, responses={202: s.AcceptedSerializer, **problems(400, 429)})
    def post(self, request):
        data = s.EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passwords.request_password_reset(request, data.validated_data["email"])
        return _accepted("If an account uses this address, a reset link is on its way.")


@sensitive
class PasswordResetView(PublicView):
    @extend_schema(request=s.PasswordResetSerializer, responses={204: None, **problems(400, 429)})
    def post(self, request):
        data = s.PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passwords.reset_password(request, data.validated_data["token"], data.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@sensitive
class PasswordChangeView(APIView):
    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None, **problems(400, 401, 429)})
    def post(self, request):
        data = s.PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passwords.change_password(request, request.user, session_id=request.auth_session.pk, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@sensitive
class MeView(APIView):
    @extend_schema(responses={200: s.UserSerializer, **problems(401)})
    def get(self, request):
        return Response(s.UserSerializer(request.user).data)

    @extend_schema(request=s.MeUpdateSerializer, responses={200: s.UserSerializer, **problems(400, 401, 403, 409, 429)})
    def patch(self, request):
        data = s.MeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = request.user
        # The email change goes first because it can fail (wrong password, address taken), and
        # a failed request must not have saved the display name already.
        if "email" in fields:
            user = profile.request_email_change(
                request, user, new_email=fields["email"], current_password=fields["current_password"]
            )
        user = profile.update_profile(request, user, display_name=fields.get("display_name"))
        return Response(s.UserSerializer(user).data)


class SessionListView(APIView):
    @extend_schema(responses={200: s.SessionSerializer(many=True), **problems(401)})
    def get(self, request):
        active = request.user.auth_sessions.active()
        context = {"current_session_id": request.auth_session.pk}
        return Response(s.SessionSerializer(active, many=True, context=context).data)


class SessionDetailView(APIView):
    @extend_schema(responses={204: None, **problems(401, 404)})
    def delete(self, request, session_id):
        session = sessions.find_user_session(request.user, session_id)
        sessions.revoke_session(session, reason=sessions.RevokeReason.USER_REQUEST, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
