from django.urls import path

from . import views

urlpatterns = [
    path("passkeys", views.PasskeyListView.as_view(), name="api-passkeys"),
    path("passkeys/register/options", views.RegisterOptionsView.as_view(), name="api-passkey-register-options"),
    path("passkeys/register", views.RegisterView.as_view(), name="api-passkey-register"),
    path(
        "passkeys/authenticate/options",
        views.AuthenticateOptionsView.as_view(),
        name="api-passkey-authenticate-options",
    ),
    path("passkeys/authenticate", views.AuthenticateView.as_view(), name="api-passkey-authenticate"),
    path("passkeys/<uuid:passkey_id>", views.PasskeyDetailView.as_view(), name="api-passkey-detail"),
]
