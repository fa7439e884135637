from django.urls import path

from . import pages

urlpatterns = [
    path("passkeys/login", pages.login_page, name="passkeys-login"),
    path("passkeys/manage", pages.manage_page, name="passkeys-manage"),
]
