"""Forms of the console. They check shape only; the organizations services apply every rule."""

from django import forms
from django.conf import settings

from ..models.organization import LOGIN_METHODS, hex_colour
from ..roles import API_KEY_SCOPES, ROLE_CHOICES


class _ConsoleForm(forms.Form):
    """A console form; its ids get a prefix because some pages show several forms."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RoleForm(_ConsoleForm):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class InvitationForm(_ConsoleForm):
    id_prefix = "invite"
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial="member")


class DomainForm(_ConsoleForm):
    id_prefix = "domain"
    domain = forms.CharField(label="Domain", max_length=253, help_text="Such as example.com, without scheme or path.")


class ApiKeyForm(_ConsoleForm):
    id_prefix = "key"
    name = forms.CharField(label="Name", max_length=100)
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=[(scope, scope) for scope in sorted(API_KEY_SCOPES)],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        label="Expires at (UTC)",
        required=False,
        help_text="Leave empty for a key that does not expire.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class SettingsForm(_ConsoleForm):
    """The organization's login policy and branding; the service checks the platform's bounds."""

    name = forms.CharField(label="Name", max_length=150)
    require_mfa = forms.BooleanField(label="Require a second factor at login", required=False)
    allowed_login_methods = forms.MultipleChoiceField(
        label="Allowed login methods",
        choices=[(method, method.capitalize()) for method in LOGIN_METHODS],
        widget=forms.CheckboxSelectMultiple,
    )
    session_lifetime = forms.IntegerField(
        label="Session lifetime (seconds)",
        required=False,
        min_value=0,
        help_text="How long a login into this organization lasts. Leave empty for the platform default.",
    )
    password_min_length = forms.IntegerField(
        label="Minimum password length (characters)",
        required=False,
        min_value=0,
        help_text=f"At least the platform minimum of {settings.PASSWORD_MIN_LENGTH}. Leave empty for that minimum.",
    )
    passkey_allowed_aaguids = forms.CharField(
        label="Allowed passkey models (AAGUIDs)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "autocapitalize": "none", "spellcheck": "false"}),
        help_text="One AAGUID per line, such as 6028b017-b1d4-4c02-b4b3-afcdafc96bb2. "
        "Members can then register only these authenticator models, and only with attestation. "
        "Leave empty to allow any model.",
    )
    display_name = forms.CharField(label="Display name", max_length=150, required=False)
    logo_url = forms.URLField(
        label="Logo URL", max_length=500, required=False, assume_scheme="https", help_text="An https:// address."
    )
    primary_colour = forms.CharField(
        label="Primary colour", max_length=7, required=False, validators=[hex_colour], help_text="Such as #1a73e8."
    )
    support_email = forms.EmailField(label="Support email address", max_length=254, required=False)

    def clean_passkey_allowed_aaguids(self):
        # The service checks each value and the maximum count, and names the value it rejects.
        text = self.cleaned_data["passkey_allowed_aaguids"]
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]

    def clean_logo_url(self):
        url = self.cleaned_data["logo_url"]
        # The branded login page widens its Content-Security-Policy to the logo's https origin only.
        if url and not url.startswith("https://"):
            raise forms.ValidationError("Use an https:// address for the logo.")
        return url


class AuditFilterForm(forms.Form):
    """The audit log filters, read from the query string."""

    actor = forms.CharField(label="Actor id", max_length=64, required=False)
    action = forms.CharField(label="Action", max_length=64, required=False, help_text="Such as membership.removed.")
    target = forms.CharField(label="Target id", max_length=64, required=False)
    since = forms.DateTimeField(
        label="From (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
    )
    until = forms.DateTimeField(
        label="Until (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
    )
    before = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", "Until must be later than From.")
        return cleaned

    def filters(self):
        """Return the filters for audit_log.filter_events, without empty values."""
        names = ("actor", "action", "target", "since", "until")
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}


class ExportForm(_ConsoleForm):
    id_prefix = "export"
    format = forms.ChoiceField(label="Format", choices=[("csv", "CSV"), ("ndjson", "NDJSON")])
