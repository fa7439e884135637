"""Forms of the second-factor pages. They check shape only, and the MFA services check the codes."""

from django import forms
from django.conf import settings

# Labels of the code field per method. A method missing here gets the generic label.
CODE_LABELS = {
    "totp": "Code from your authenticator app",
    "email": "Code from the email",
    "backup_code": "Backup code",
    "sms": "Code from the text message",
}
# Methods whose codes are digits only, so phones show a number pad.
NUMERIC_METHODS = {"totp", "email", "sms"}


class CodeForm(forms.Form):
    """One code for one method. The method is fixed by the page, so it travels as a hidden field.

    Several of these forms share a page, so the ids of each get the method as a prefix.
    """

    method = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(label="Code", max_length=64)

    def __init__(self, *args, method, **kwargs):
        kwargs.setdefault("auto_id", f"id_{method}_%s")
        kwargs.setdefault("initial", {"method": method})
        super().__init__(*args, **kwargs)
        # Not `method`: templates look up form["method"] first, which is the hidden field.
        self.method_name = method
        attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        if method in NUMERIC_METHODS:
            attrs["inputmode"] = "numeric"
        self.fields["code"].label = CODE_LABELS.get(method, "Code")
        self.fields["code"].widget.attrs.update(attrs)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_password_%s")
        super().__init__(*args, **kwargs)
