"""Hosted pages, served at the site root."""

from django.urls import path

from .views import account, login, passwords, registration

urlpatterns = [
    path("login", login.login_page, name="login"),
    path("logout", login.logout_page, name="logout"),
    path("signup", registration.signup_page, name="signup"),
    path("verify-email", registration.verify_email_page, name="verify-email"),
    path("verify-email/resend", registration.verify_email_resend_page, name="verify-email-resend"),
    path("password/forgot", passwords.password_forgot_page, name="password-forgot"),
    path("password/reset", passwords.password_reset_page, name="password-reset"),
    path("account", account.account_page, name="account"),
    path("account/profile", account.profile_update, name="account-profile"),
    path("account/password", account.password_change, name="account-password"),
    path("account/email", account.email_change, name="account-email"),
    path("account/sessions/<uuid:session_id>/end", account.session_end, name="account-session-end"),
]
