from django.urls import include, path

from . import views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="api-register"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="api-verify-email"),
    path("auth/verify-email/resend", views.ResendVerificationView.as_view(), name="api-verify-email-resend"),
    path("auth/login", views.LoginView.as_view(), name="api-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="api-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="api-logout"),
    path("auth/password/forgot", views.PasswordForgotView.as_view(), name="api-password-forgot"),
    path("auth/password/reset", views.PasswordResetView.as_view(), name="api-password-reset"),
    path("auth/password/change", views.PasswordChangeView.as_view(), name="api-password-change"),
    path("me", views.MeView.as_view(), name="api-me"),
    path("sessions", views.SessionListView.as_view(), name="api-sessions"),
    path("sessions/<uuid:session_id>", views.SessionDetailView.as_view(), name="api-session-detail"),
    path("", include("accounts.mfa.api.urls")),
    path("", include("accounts.passkeys.api.urls")),
]
