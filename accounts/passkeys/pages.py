"""Hosted passkey pages. They are static shells: static/passkeys/passkeys.js drives the API."""

from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

login_page = require_GET(TemplateView.as_view(template_name="passkeys/login.html"))
manage_page = require_GET(TemplateView.as_view(template_name="passkeys/manage.html"))
