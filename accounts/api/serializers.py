from django.conf import settings
from django.utils.encoding import punycode
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from plinto.serializers import PrebuiltFields

from ..models import Session
from ..normalization import email_key, normalize_email

# The raw input is capped here, before any hashing; the policy caps the NFKC form again.
_PASSWORD = {
    "max_length": settings.PASSWORD_MAX_LENGTH,
    "trim_whitespace": False,
    "style": {"input_type": "password"},
}
EMAIL_MAX_LENGTH = 254


class EmailAddressField(serializers.EmailField):
    """An email address, converted to NFKC: the form Plinto stores and sends mail to.

    Fullwidth and other compatibility characters become plain ones, so `ｍｉｋｅ@example.org` is
    read as `mike@example.org`. On top of Django's syntax check, the domain must convert to IDNA
    (the mailer needs that) and the case-folded form must fit the unique `email_key` column.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalize_email(data)
        return super().to_internal_value(data)

    def run_validators(self, value):
        super().run_validators(value)
        _, _, domain = value.rpartition("@")
        try:
            punycode(domain)
        except UnicodeError as exc:
            raise serializers.ValidationError(
                "Enter a valid email address; its domain is not a valid domain name.", code="invalid"
            ) from exc
        if len(email_key(value)) > EMAIL_MAX_LENGTH:
            raise serializers.ValidationError(
                f"The email address must be at most {EMAIL_MAX_LENGTH} characters after case folding, "
                "in which ß counts as ss; use a shorter one.",
                code="max_length",
            )


class RegisterSerializer(serializers.Serializer):
    email = EmailAddressField()
    password = serializers.CharField(**_PASSWORD, write_only=True)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=2048)


class EmailSerializer(serializers.Serializer):
    email = EmailAddressField()


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


class MfaRequiredSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField()
    mfa_token = serializers.CharField(help_text="Send it to POST /api/v1/auth/mfa/verify within 5 minutes.")
    methods = serializers.ListField(child=serializers.CharField())
    enrollment_required = serializers.BooleanField(required=False)
    enrollment_methods = serializers.ListField(child=serializers.CharField(), required=False)


# The login response: tokens, or a second-factor challenge when the account needs one.
LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[TokenPairSerializer, MfaRequiredSerializer],
    resource_type_field_name=None,
)


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


class UserSerializer(serializers.Serializer):
    # Declared fields rather than a ModelSerializer: building a ModelSerializer's fields on every
    # request was a measurable share of GET /api/v1/me.
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)
    # A plain string, because `format: email` would not describe the empty string.
    pending_email = serializers.CharField(
        read_only=True, help_text="The address waiting for verification, or an empty string when there is none."
    )
    custom_attributes = serializers.JSONField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = EmailAddressField(required=False)
    current_password = serializers.CharField(**_PASSWORD, required=False, write_only=True)

    def validate(self, attrs):
        if "email" in attrs and not attrs.get("current_password"):
            raise serializers.ValidationError(
                {"current_password": "Changing the email address needs the current password."}
            )
        return attrs


class SessionSerializer(PrebuiltFields, serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "created_at", "last_used_at", "expires_at", "ip_address", "user_agent", "amr", "current"]
        read_only_fields = fields

    def get_current(self, session) -> bool:
        current = self.context.get("current_session_id")
        return current is not None and session.pk == current
