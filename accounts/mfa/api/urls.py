from django.urls import path

from . import views

urlpatterns = [
    path("auth/mfa/verify", views.MfaVerifyView.as_view(), name="api-mfa-verify"),
    path("auth/mfa/challenge", views.MfaChallengeView.as_view(), name="api-mfa-challenge"),
    path("auth/mfa/enroll", views.MfaLoginEnrollView.as_view(), name="api-mfa-enroll"),
    path("auth/reauthenticate", views.ReauthenticateView.as_view(), name="api-reauthenticate"),
    path("mfa", views.FactorStatusView.as_view(), name="api-mfa-status"),
    path("mfa/totp", views.TOTPView.as_view(), name="api-mfa-totp"),
    path("mfa/totp/confirm", views.TOTPConfirmView.as_view(), name="api-mfa-totp-confirm"),
    path("mfa/backup-codes", views.BackupCodesView.as_view(), name="api-mfa-backup-codes"),
    path("mfa/email", views.EmailCodesView.as_view(), name="api-mfa-email"),
    path("mfa/sms", views.SMSView.as_view(), name="api-mfa-sms"),
    path("mfa/sms/confirm", views.SMSConfirmView.as_view(), name="api-mfa-sms-confirm"),
]
