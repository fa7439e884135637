"""Forms of the hosted pages. They check shape only; the services apply every account rule."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.functional import lazy

# Email fields that identify the account next to a password use autocomplete="username", the
# token password managers look for to pair the identifier with the password. Email fields that
# only name an address use autocomplete="email".
_EMAIL_ATTRS = {"autocapitalize": "none", "spellcheck": "false"}


def _email_input(autocomplete):
    return forms.EmailInput(attrs={**_EMAIL_ATTRS, "autocomplete": autocomplete})


def _password_field(autocomplete, *, label, help_text=""):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _password_policy_text():
    return " ".join(password_validation.password_validators_help_texts())


# Lazy, so the text follows the validators configured when a form renders, not at import.
_password_policy = lazy(_password_policy_text, str)


def _new_password_field(label="New password"):
    return _password_field("new-password", label=label, help_text=_password_policy())


class LoginForm(forms.Form):
    # A CharField as in the API, so a malformed address gets the same error as an unknown one.
    # "webauthn" lets the browser offer saved passkeys in this field's autofill (conditional mediation).
    email = forms.CharField(label="Email address", max_length=254, widget=_email_input("username webauthn"))
    # Optional here so an empty password reaches the service and gets the same generic error as
    # a wrong one. The input keeps the `required` attribute, so assistive technology announces
    # the field as required.
    password = forms.CharField(
        label="Password",
        strip=False,
        required=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
    )


class SignupForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, widget=_email_input("username"))
    display_name = forms.CharField(
        label="Display name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = _new_password_field("Password")


class EmailForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, widget=_email_input("email"))


class TokenForm(forms.Form):
    token = forms.CharField(max_length=2048, widget=forms.HiddenInput)


class PasswordResetForm(TokenForm):
    new_password = _new_password_field()


class _AccountForm(forms.Form):
    """A form of the account page. Its ids get a prefix because the page shows several forms."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProfileForm(_AccountForm):
    id_prefix = "profile"
    display_name = forms.CharField(
        label="Display name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class PasswordChangeForm(_AccountForm):
    id_prefix = "password"
    current_password = _password_field("current-password", label="Current password")
    new_password = _new_password_field()


class EmailChangeForm(_AccountForm):
    id_prefix = "email"
    email = forms.EmailField(label="New email address", max_length=254, widget=_email_input("email"))
    current_password = _password_field("current-password", label="Current password")
