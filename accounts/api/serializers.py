from rest_framework import serializers

from ..models import Session, User

_PASSWORD = {"max_length": 1024, "trim_whitespace": False, "style": {"input_type": "password"}}


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(**_PASSWORD, write_only=True)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=2048)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(**_PASSWORD, allow_blank=True)
    organization = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        help_text="Id or slug of the organization to act in; the access token then names it in `org`.",
    )


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=512)


class LogoutSerializer(serializers.Serializer):
    all_sessions = serializers.BooleanField(
        default=False, help_text="End every session of the user, not only this one."
    )


class PasswordResetSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)
    new_password = serializers.CharField(**_PASSWORD)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(**_PASSWORD)
    new_password = serializers.CharField(**_PASSWORD)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "email_verified", "pending_email", "custom_attributes", "date_joined"]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    current_password = serializers.CharField(**_PASSWORD, required=False, write_only=True)

    def validate(self, attrs):
        if "email" in attrs and not attrs.get("current_password"):
            raise serializers.ValidationError(
                {"current_password": "Changing the email address needs the current password."}
            )
        return attrs


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "created_at", "last_used_at", "expires_at", "ip_address", "user_agent", "amr", "current"]
        read_only_fields = fields

    def get_current(self, session) -> bool:
        current = self.context.get("current_session_id")
        return current is not None and session.pk == current
