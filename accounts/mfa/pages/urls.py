"""Second-factor pages, served at the site root next to the pages of accounts.pages."""

from django.urls import path

from .views import login, reauthenticate, security

urlpatterns = [
    path("login/mfa", login.challenge_page, name="login-mfa"),
    path("login/mfa/verify", login.challenge_verify, name="login-mfa-verify"),
    path("login/mfa/send", login.challenge_send_code, name="login-mfa-send"),
    path("login/mfa/passkey/options", login.passkey_options, name="login-mfa-passkey-options"),
    path("login/mfa/passkey/verify", login.passkey_verify, name="login-mfa-passkey-verify"),
    path("login/mfa/enroll", login.enrollment_start, name="login-mfa-enroll"),
    path("account/reauthenticate", reauthenticate.reauthenticate_page, name="account-reauthenticate"),
    path("account/security", security.security_page, name="account-security"),
    path("account/security/totp", security.totp_setup_page, name="account-security-totp"),
    path("account/security/totp/start", security.totp_start, name="account-security-totp-start"),
    path("account/security/totp/confirm", security.totp_confirm, name="account-security-totp-confirm"),
    path("account/security/totp/remove", security.totp_remove, name="account-security-totp-remove"),
    path("account/security/backup-codes", security.backup_codes_regenerate, name="account-security-backup-codes"),
    path("account/security/email", security.email_codes_enable, name="account-security-email"),
    path("account/security/email/remove", security.email_codes_disable, name="account-security-email-remove"),
]
