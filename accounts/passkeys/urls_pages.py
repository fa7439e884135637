from django.urls import path

from . import pages

urlpatterns = [
    path("login/passkey", pages.login_finish, name="login-passkey"),
    path("account/security/passkeys/options", pages.register_options, name="account-passkey-options"),
    path("account/security/passkeys/register", pages.register_finish, name="account-passkey-register"),
    path("account/security/passkeys/<uuid:passkey_id>/rename", pages.rename, name="account-passkey-rename"),
    path("account/security/passkeys/<uuid:passkey_id>/remove", pages.remove, name="account-passkey-remove"),
    path("passkeys/login", pages.old_login_page, name="passkeys-login"),
    path("passkeys/manage", pages.old_manage_page, name="passkeys-manage"),
]
