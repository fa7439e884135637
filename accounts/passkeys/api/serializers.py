from rest_framework import serializers

from ..models import Passkey

# A registration response with a long certificate chain stays well under this cap. The cap keeps
# a huge body from tying up a worker in the parsers.
MAX_CREDENTIAL_CHARS = 64 * 1024


class CredentialField(serializers.JSONField):
    """The PublicKeyCredential as its toJSON() method encodes it."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Send the credential as a JSON object, the output of its toJSON().")
        if len(str(value)) > MAX_CREDENTIAL_CHARS:
            raise serializers.ValidationError(f"The credential is longer than {MAX_CREDENTIAL_CHARS} characters.")
        return value


class PasskeyOptionsSerializer(serializers.Serializer):
    public_key = serializers.JSONField(
        help_text="The options for navigator.credentials.create() or get(), in WebAuthn's JSON encoding."
    )


class PasskeyRegisterSerializer(serializers.Serializer):
    credential = CredentialField()
    name = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="A name to recognise the passkey by."
    )


class PasskeyAuthenticateSerializer(serializers.Serializer):
    credential = CredentialField()


class PasskeyRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "aaguid", "transports", "backed_up", "created_at", "last_used_at"]
        read_only_fields = fields
