from rest_framework import serializers

from ...passkeys.api.serializers import CredentialField
from ..phone_numbers import InvalidPhoneNumber, parse_phone_number

_CODE = {"max_length": 64, "trim_whitespace": True}


class MfaVerifySerializer(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=128)
    method = serializers.CharField(max_length=32, help_text="One of the `methods` the login response listed.")
    code = serializers.CharField(
        **_CODE, required=False, help_text="The code; spaces, dashes and letter case are ignored. Not for `passkey`."
    )
    credential = CredentialField(
        required=False,
        help_text="For `passkey`: the assertion, the toJSON() output of navigator.credentials.get() called "
        "with the options POST /api/v1/auth/mfa/challenge returned.",
    )

    def validate(self, attrs):
        """Put the passkey assertion or the code into `code`, the one response the MFA service takes."""
        if attrs["method"] == "passkey":
            if "credential" not in attrs:
                raise serializers.ValidationError({"credential": "The `passkey` method needs its `credential`."})
            attrs["code"] = attrs.pop("credential")
        elif not attrs.get("code"):
            raise serializers.ValidationError({"code": f"The method {attrs['method']!r} needs its `code`."})
        else:
            attrs.pop("credential", None)
        return attrs


class MfaChallengeResultSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False, help_text="For a code method: that the code was sent.")
    public_key = serializers.JSONField(
        required=False,
        help_text="For `passkey`: the options for navigator.credentials.get(), in WebAuthn's JSON encoding.",
    )


class MfaTokenMethodSerializer(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=128)
    method = serializers.CharField(max_length=32)


class MfaTokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
    backup_codes_remaining = serializers.IntegerField(
        required=False, help_text="Present when a backup code was used: how many unused codes remain."
    )


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(**_CODE)


class TOTPSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The base32 seed, for typing into an authenticator app.")
    otpauth_uri = serializers.CharField()
    qr_code = serializers.CharField(help_text="A PNG image of the otpauth URI as a data: URI.")


class TOTPConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
    backup_codes = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="New backup codes when the account had none; shown only this once.",
    )


class SMSSetupSerializer(serializers.Serializer):
    phone_number = serializers.CharField(
        max_length=32,
        help_text="The mobile number, in international format (+14155550123) or national format with `region`.",
    )
    region = serializers.CharField(
        max_length=2,
        min_length=2,
        required=False,
        help_text="ISO 3166-1 alpha-2 region (such as DE) for a national number; unused when the number starts with +.",
    )

    def validate(self, attrs):
        try:
            attrs["phone_number"] = parse_phone_number(attrs["phone_number"], attrs.get("region"))
        except InvalidPhoneNumber as exc:
            raise serializers.ValidationError({exc.field: exc.message}) from exc
        return attrs


class SMSSetupStartedSerializer(serializers.Serializer):
    phone_number = serializers.CharField(help_text="The number in E.164 form, where the code was sent.")
    code_lifetime = serializers.IntegerField(help_text="Seconds the code stays valid.")


class SMSStatusSerializer(serializers.Serializer):
    phone_number = serializers.CharField(help_text="E.164 form.")
    verified = serializers.BooleanField(help_text="False until the code sent to the number is confirmed.")


class SMSConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
    phone_number = serializers.CharField()
    backup_codes = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="New backup codes when the account had none; shown only this once.",
    )


class BackupCodesSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField(), help_text="Shown only this once.")


class BackupCodeStatusSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField()
    remaining = serializers.IntegerField()
    warning = serializers.BooleanField(help_text="True when few unused codes remain; generate a new set.")


class MethodStatusSerializer(serializers.Serializer):
    method = serializers.CharField()
    enrolled = serializers.BooleanField()


class FactorStatusSerializer(serializers.Serializer):
    methods = MethodStatusSerializer(many=True)
    backup_codes = BackupCodeStatusSerializer()


class ReauthenticateSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=1024, trim_whitespace=False, required=False, style={"input_type": "password"}
    )
    method = serializers.CharField(max_length=32, required=False)
    code = serializers.CharField(**_CODE, required=False)

    def validate(self, attrs):
        if "password" in attrs and "method" in attrs:
            raise serializers.ValidationError({"method": "Send either `password` or `method` with `code`, not both."})
        if "password" not in attrs and "method" not in attrs:
            raise serializers.ValidationError({"password": "Send the password, or `method` and `code` of a factor."})
        if "method" in attrs and not attrs.get("code"):
            raise serializers.ValidationError({"code": "A `method` needs its `code`."})
        return attrs


class AccessTokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
