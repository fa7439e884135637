from rest_framework import serializers

from audit.models import AuditEvent
from plinto.serializers import PrebuiltFields

from ..models import ApiKey, AuditExport, Domain, Invitation, Membership, Organization
from ..models.organization import LOGIN_METHODS, hex_colour, slug_format
from ..roles import API_KEY_SCOPES, ROLE_CHOICES
from ..services.organizations import MAX_ALLOWED_AAGUIDS

_PASSWORD = {"max_length": 1024, "trim_whitespace": False, "style": {"input_type": "password"}}


class OrganizationSerializer(PrebuiltFields, serializers.ModelSerializer):
    # Plain strings: both are empty when unset, which `format: uri` or `format: email` would not describe.
    logo_url = serializers.CharField(read_only=True, help_text="The logo's HTTPS address, or an empty string.")
    support_email = serializers.CharField(read_only=True, help_text="The support address, or an empty string.")
    passkey_allowed_aaguids = serializers.ListField(
        child=serializers.UUIDField(),
        read_only=True,
        help_text="Lower-case AAGUIDs of the authenticator models members may register; empty allows any model.",
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "status",
            "created_at",
            "require_mfa",
            "allowed_login_methods",
            "session_lifetime",
            "password_min_length",
            "auto_join_verified_domains",
            "audit_retention_days",
            "passkey_allowed_aaguids",
            "display_name",
            "logo_url",
            "primary_colour",
            "support_email",
        ]
        read_only_fields = fields


class MyOrganizationSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
    role = serializers.CharField()


class OrganizationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    slug = serializers.CharField(max_length=50, validators=[slug_format])


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    require_mfa = serializers.BooleanField(required=False)
    allowed_login_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(LOGIN_METHODS)), required=False, max_length=len(LOGIN_METHODS)
    )
    session_lifetime = serializers.IntegerField(
        required=False, allow_null=True, help_text="Seconds a session may live; null for the platform default."
    )
    password_min_length = serializers.IntegerField(required=False, allow_null=True)
    auto_join_verified_domains = serializers.BooleanField(required=False)
    audit_retention_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=36500)
    passkey_allowed_aaguids = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=MAX_ALLOWED_AAGUIDS,
        help_text="AAGUIDs (UUIDs) of the authenticator models members may register; empty allows any model.",
    )
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    logo_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    primary_colour = serializers.CharField(max_length=7, required=False, allow_blank=True, validators=[hex_colour])
    support_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    def validate_logo_url(self, value):
        if value and not value.startswith("https://"):
            raise serializers.ValidationError("Use an https:// URL, so hosted pages load no insecure content.")
        return value


class MembershipSerializer(PrebuiltFields, serializers.ModelSerializer):
    user_id = serializers.UUIDField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user_id", "email", "display_name", "role", "created_at"]
        read_only_fields = fields


# The members list renders `.values()` rows with these columns instead of serializing model
# instances: building and serializing 50 Membership and User objects was most of a page's cost.
# The output is the same as MembershipSerializer's (a test compares the two).
MEMBERSHIP_COLUMNS = ("id", "user_id", "user__email", "user__display_name", "role", "created_at")
_datetime = serializers.DateTimeField()


def membership_rows(rows):
    return [
        {
            "id": str(row["id"]),
            "user_id": str(row["user_id"]),
            "email": row["user__email"],
            "display_name": row["user__display_name"],
            "role": row["role"],
            "created_at": _datetime.to_representation(row["created_at"]),
        }
        for row in rows
    ]


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLE_CHOICES)


class MfaResetSerializer(serializers.Serializer):
    removed_methods = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The methods the member had and no longer has, such as totp or backup_code; empty if none.",
    )


class InvitationSerializer(PrebuiltFields, serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "inviter", "status", "created_at", "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=ROLE_CHOICES, default="member")


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)


class InvitationRegisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)
    password = serializers.CharField(**_PASSWORD, write_only=True)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class DomainSerializer(PrebuiltFields, serializers.ModelSerializer):
    verified = serializers.SerializerMethodField()

    class Meta:
        model = Domain
        fields = ["id", "domain", "verified", "verified_at", "record_name", "record_value", "created_at"]
        read_only_fields = fields

    def get_verified(self, domain) -> bool:
        return domain.verified_at is not None


class DomainCreateSerializer(serializers.Serializer):
    domain = serializers.CharField(max_length=253)


class ApiKeySerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself; shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(API_KEY_SCOPES)), allow_empty=False, max_length=32
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AuditEventSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "event_id",
            "created_at",
            "action",
            "outcome",
            "actor_type",
            "actor_id",
            "actor_display",
            "target_type",
            "target_id",
            "target_display",
            "ip_address",
            "user_agent",
            "request_id",
            "metadata",
        ]
        read_only_fields = fields


class AuditEventFilterSerializer(serializers.Serializer):
    actor = serializers.CharField(max_length=64, required=False, help_text="Actor id (user or API key).")
    action = serializers.CharField(max_length=64, required=False)
    target = serializers.CharField(max_length=64, required=False, help_text="Target id.")
    since = serializers.DateTimeField(required=False, help_text="Events at or after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Events before this time (ISO 8601).")

    def validate(self, attrs):
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "until must be later than since."})
        return attrs


class SwitchOrganizationSerializer(serializers.Serializer):
    organization = serializers.CharField(max_length=64, help_text="Id or slug of an organization you belong to.")


class AuditExportCreateSerializer(AuditEventFilterSerializer):
    format = serializers.ChoiceField(choices=["csv", "ndjson"])


class AuditExportSerializer(PrebuiltFields, serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="A signed link, valid for a few minutes; null until the export is done."
    )

    class Meta:
        model = AuditExport
        fields = [
            "id",
            "format",
            "filters",
            "status",
            "requested_by_type",
            "requested_by_id",
            "created_at",
            "finished_at",
            "row_count",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        from ..services.audit_log import download_link

        return download_link(export)
