"""Hosted pages driven through Django's test client, the way a browser uses them."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts import login_pipeline
from accounts.models import Session, User
from accounts.pages.session import SESSION_KEY
from accounts.pages.views.login import safe_next_url
from accounts.passwords import hashing
from accounts.services.profile import deactivate_user
from accounts.services.sessions import RevokeReason, revoke_session, revoke_user_sessions
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient, link_in

NEW_PASSWORD = "Another-Strong-77-phrase"
GENERIC_LOGIN_ERROR = "The email address or password is incorrect."


@pytest.fixture
def browser(db):
    return PageClient()


@pytest.fixture
def logged_in(browser, user):
    """A browser logged in as `user` through the login page."""
    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def error_codes(response, form="form"):
    """Return the error codes of a rendered form, by field ("__all__" for the whole form)."""
    errors = response.context[form].errors.as_data()
    return {field: [error.code for error in field_errors] for field, field_errors in errors.items()}


def django_user_id(client):
    return client.session.get("_auth_user_id")


def plinto_session_of(client):
    return Session.objects.get(pk=client.session[SESSION_KEY])


# Rendering, headers and accessibility


ANONYMOUS_PAGES = [
    "/login",
    "/signup",
    "/password/forgot",
    "/password/reset?token=some-token",
    "/verify-email?token=some-token",
    "/verify-email/resend",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_page_renders(browser, path):
    response = browser.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'href="/static/plinto.css"' in html
    assert 'href="#main"' in html
    assert 'id="main"' in html


@pytest.mark.parametrize("path", ["/account", "/logout"])
def test_logged_in_page_renders(logged_in, path):
    response = logged_in.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", [*ANONYMOUS_PAGES, "/account", "/logout"])
def test_page_has_no_inline_script_or_style(logged_in, path):
    html = logged_in.get(path).content.decode()

    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
    assert re.search(r" on[a-z]+=", html) is None


def test_stylesheet_is_served(browser):
    response = browser.get("/static/plinto.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_csp_allows_only_own_origin(browser):
    response = browser.get("/login")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


class _FormAudit(HTMLParser):
    """Collects visible inputs and the ids that labels point at."""

    def __init__(self):
        super().__init__()
        self.inputs = []
        self.label_targets = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "label":
            self.label_targets.add(attributes.get("for"))
        if tag == "input" and attributes.get("type") != "hidden" and "hidden" not in attributes:
            self.inputs.append(attributes)


@pytest.mark.parametrize("path", [*ANONYMOUS_PAGES, "/account"])
def test_every_input_has_label_and_autocomplete(logged_in, path):
    parser = _FormAudit()
    parser.feed(logged_in.get(path).content.decode())

    for attributes in parser.inputs:
        assert attributes.get("id") in parser.label_targets, attributes
        assert attributes.get("autocomplete"), attributes


def test_autocomplete_tokens_match_field_purpose(logged_in):
    html = logged_in.get("/account").content.decode()

    assert 'name="current_password" autocomplete="current-password"' in html
    assert 'name="new_password" autocomplete="new-password"' in html
    assert 'name="email" autocapitalize="none" spellcheck="false" autocomplete="email"' in html


def test_login_fields_use_sign_in_autocomplete(browser):
    html = browser.get("/login").content.decode()

    assert 'autocomplete="username webauthn"' in html
    assert 'autocomplete="current-password"' in html


def test_optional_marker_only_on_optional_fields(browser):
    login = browser.get("/login").content.decode()
    signup = browser.get("/signup").content.decode()

    assert "(optional)" not in login
    assert signup.count("(optional)") == 1
    assert re.search(r"Display name <span class=\"optional\">\(optional\)</span>", signup)


def test_form_errors_are_announced(browser):
    response = browser.post("/signup", {"email": "not-an-address", "password": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'id="id_email_error"' in html


# Sign-up, verification, login, account, logout: the main flow


def test_signup_verify_login_account_logout(browser, mailbox):
    response = browser.post("/signup", {"email": "Ana@Example.org", "display_name": "Ana", "password": STRONG_PASSWORD})
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    user = User.objects.get(email_key="ana@example.org")
    assert user.email_verified is False
    assert mailbox[-1].to == ["Ana@Example.org"]
    token = link_in(mailbox[-1], "/verify-email")

    # Opening the link, as a mail scanner would, verifies nothing.
    page = browser.get(f"/verify-email?token={token}")
    assert page.status_code == 200
    assert f'value="{token}"'.encode() in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    user.refresh_from_db()
    assert user.email_verified is False

    confirmed = browser.post("/verify-email", {"token": token})
    assert confirmed.status_code == 200
    user.refresh_from_db()
    assert user.email_verified is True

    logged_in = browser.post("/login", {"email": "ana@example.org", "password": STRONG_PASSWORD})
    assert logged_in.status_code == 302
    assert logged_in["Location"] == "/account"
    session = plinto_session_of(browser)
    assert session.user == user
    assert session.amr == ["pwd"]
    assert django_user_id(browser) == str(user.pk)

    account = browser.get("/account")
    assert account.status_code == 200
    assert b"Ana@Example.org" in account.content

    renamed = browser.post("/account/profile", {"display_name": "Ana Lima"}, follow=True)
    assert renamed.status_code == 200
    assert b"Your display name is saved." in renamed.content
    user.refresh_from_db()
    assert user.display_name == "Ana Lima"

    confirm = browser.get("/logout")
    assert confirm.status_code == 200
    session.refresh_from_db()
    assert session.revoked_at is None

    logged_out = browser.post("/logout")
    assert logged_out.status_code == 302
    assert logged_out["Location"] == "/login"
    session.refresh_from_db()
    assert session.revoked_reason == RevokeReason.LOGOUT
    assert django_user_id(browser) is None
    assert browser.get("/account").status_code == 302

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "user.registered",
        "user.email_verified",
        "login.succeeded",
        "user.updated",
        "session.revoked",
    ]


def test_signup_for_taken_address_looks_the_same(browser, user, mailbox):
    response = browser.post("/signup", {"email": "MIKE@example.org", "password": STRONG_PASSWORD})

    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert User.objects.count() == 1
    assert mailbox[-1].to == ["mike@example.org"]
    assert mailbox[-1].subject == "Someone tried to sign up with your address"


def test_signup_weak_password_is_rejected(browser, mailbox):
    response = browser.post("/signup", {"email": "new@example.org", "password": "short"})

    assert response.status_code == 400
    assert error_codes(response) == {"password": ["password_too_weak"]}
    assert User.objects.count() == 0
    assert mailbox == []


def test_signup_invalid_email_is_rejected(browser, mailbox):
    response = browser.post("/signup", {"email": "not-an-address", "password": STRONG_PASSWORD})

    assert response.status_code == 400
    assert error_codes(response) == {"email": ["invalid"]}
    assert User.objects.count() == 0
    assert mailbox == []


def test_verify_email_with_bad_token_is_rejected(browser, make_user):
    user = make_user(email="new@example.org", email_verified=False)

    response = browser.post("/verify-email", {"token": "forged"})

    assert response.status_code == 400
    assert error_codes(response) == {"__all__": ["token_invalid"]}
    assert b"Send a new verification link" in response.content
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.parametrize("path", ["/verify-email", "/password/reset", "/password/reset?token="])
def test_link_without_token_explains(browser, path):
    response = browser.get(path)

    assert response.status_code == 400
    assert b"This link is incomplete" in response.content
    assert b'role="alert"' in response.content


def test_verification_resend_sends_only_to_unverified(browser, make_user, mailbox):
    make_user(email="new@example.org", email_verified=False)
    make_user(email="done@example.org")

    first = browser.post("/verify-email/resend", {"email": "new@example.org"})
    second = browser.post("/verify-email/resend", {"email": "done@example.org"})

    assert first.status_code == second.status_code == 200
    assert [message.to for message in mailbox] == [["new@example.org"]]


# Login


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("mike@example.org", "Wrong-Password-1!"),
        ("nobody@example.org", STRONG_PASSWORD),
        ("mike@example.org", ""),
        ("not an address", STRONG_PASSWORD),
    ],
)
def test_login_failure_shows_generic_error(browser, user, email, password):
    response = browser.post("/login", {"email": email, "password": password})

    assert response.status_code == 200
    assert error_codes(response) == {"__all__": ["invalid_credentials"]}
    assert GENERIC_LOGIN_ERROR.encode() in response.content
    assert Session.objects.count() == 0
    assert django_user_id(browser) is None
    assert AuditEvent.objects.filter(action="login.failed").count() == 1


def test_login_unverified_address_is_forbidden(browser, make_user):
    make_user(email="new@example.org", email_verified=False)

    response = browser.post("/login", {"email": "new@example.org", "password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert error_codes(response) == {"__all__": ["email_not_verified"]}
    assert Session.objects.count() == 0
    assert django_user_id(browser) is None


def test_login_rate_limit_shows_429(browser, user, settings):
    settings.RATE_LIMIT_PER_MINUTE = 2
    for _ in range(2):
        browser.post("/login", {"email": user.email, "password": "Wrong-Password-1!"})

    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert error_codes(response) == {"__all__": ["rate_limited"]}
    assert b"Too many requests" in response.content
    assert Session.objects.count() == 0
    assert django_user_id(browser) is None


def test_login_failure_delay_shows_429(browser, user, settings):
    settings.LOGIN_FAILURE_THRESHOLD = 1
    browser.post("/login", {"email": user.email, "password": "Wrong-Password-1!"})

    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert response.status_code == 429
    assert error_codes(response) == {"__all__": ["rate_limited"]}
    assert Session.objects.count() == 0


def test_login_when_hashing_is_saturated_shows_503(browser, user, settings):
    settings.PASSWORD_HASH_CONCURRENCY = 1
    slot = hashing._get_semaphore()
    # Another request has taken the only hashing slot of this process.
    assert slot.acquire(timeout=1)
    try:
        response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    finally:
        slot.release()

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert error_codes(response) == {"__all__": ["server_busy"]}
    assert Session.objects.count() == 0


def test_login_follows_local_next(browser, user):
    response = browser.post(
        "/login", {"email": user.email, "password": STRONG_PASSWORD, "next": "/account?tab=sessions"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/account?tab=sessions"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
    ],
)
def test_login_ignores_offsite_next(browser, user, next_url):
    page = browser.get("/login", {"next": next_url})
    assert b'name="next"' not in page.content

    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD, "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/account"


def test_login_over_https_ignores_plain_http_next(browser, user):
    response = browser.post(
        "/login",
        {"email": user.email, "password": STRONG_PASSWORD, "next": "http://testserver/account"},
        secure=True,
    )

    assert response.status_code == 302
    assert response["Location"] == "/account"


def test_login_page_carries_safe_next(browser, user):
    page = browser.get("/login", {"next": "/account"})

    assert b'<input type="hidden" name="next" value="/account">' in page.content


def test_login_page_redirects_when_logged_in(logged_in):
    response = logged_in.get("/login")

    assert response.status_code == 302
    assert response["Location"] == "/account"


def test_login_rotates_django_session_key(browser, user):
    before = browser.session
    before["visited"] = True
    before.save()
    browser.cookies["sessionid"] = before.session_key

    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert browser.cookies["sessionid"].value != before.session_key
    assert browser.session.get("visited") is True


def test_second_login_revokes_the_previous_session(logged_in, user):
    first = plinto_session_of(logged_in)

    # A second tab that still shows the login form submits it again.
    logged_in.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    first.refresh_from_db()
    assert first.revoked_reason == RevokeReason.LOGOUT
    assert plinto_session_of(logged_in).is_active


@pytest.fixture
def pending_other_step():
    """A completion check that pauses every login for a step that is not a second factor."""

    def check(request, user, amr, context):
        return {"consent_required": True, "consent_token": "pending-token"}

    login_pipeline.register_completion_check(check)
    yield
    login_pipeline._completion_checks.remove(check)


@pytest.mark.usefixtures("pending_other_step")
def test_login_pending_check_starts_no_session(browser, user):
    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert response.status_code == 200
    assert b"Your login is not finished" in response.content
    assert b"pending-token" not in response.content
    assert Session.objects.count() == 0
    assert django_user_id(browser) is None


def test_csrf_token_is_required(db, user):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert Session.objects.count() == 0


def test_login_with_csrf_token_works(db, user):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/login")

    response = browser.post(
        "/login",
        {"email": user.email, "password": STRONG_PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("path", "data", "hidden"),
    [
        ("/login", {"email": "a@example.org", "password": "x"}, ("password",)),
        ("/signup", {"email": "a@example.org", "password": "x"}, ("password",)),
        ("/password/reset", {"token": "t", "new_password": "x"}, ("new_password",)),
    ],
)
def test_password_posts_are_marked_sensitive(browser, path, data, hidden):
    response = browser.post(path, data)

    assert tuple(response.wsgi_request.sensitive_post_parameters) == hidden


# Sessions that end elsewhere


def test_session_revoked_elsewhere_logs_browser_out(logged_in):
    revoke_session(plinto_session_of(logged_in), reason=RevokeReason.LOGOUT)

    response = logged_in.get("/account")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/account"
    assert django_user_id(logged_in) is None
    assert SESSION_KEY not in logged_in.session


def test_deactivation_logs_browser_out(logged_in, user):
    deactivate_user(user)

    response = logged_in.get("/account")

    assert response.status_code == 302
    assert django_user_id(logged_in) is None


def test_password_change_elsewhere_logs_browser_out(logged_in, user):
    revoke_user_sessions(user, reason=RevokeReason.PASSWORD_CHANGE)

    assert logged_in.get("/account").status_code == 302
    assert django_user_id(logged_in) is None


def test_api_logout_all_logs_browser_out(logged_in, user, api, login):
    tokens = login(user.email)
    api.bearer(tokens["access_token"])

    assert api.post("/api/v1/auth/logout", {"all_sessions": True}).status_code == 204

    assert logged_in.get("/account").status_code == 302
    assert django_user_id(logged_in) is None


def test_account_needs_plinto_session(browser, user):
    # A login that bypassed the pages, such as /admin/, makes no Plinto session.
    browser.force_login(user)

    response = browser.get("/account")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/account"


def test_page_load_updates_last_used(logged_in):
    session = plinto_session_of(logged_in)
    Session.objects.filter(pk=session.pk).update(last_used_at=session.created_at.replace(year=2020))

    logged_in.get("/account")

    session.refresh_from_db()
    assert session.last_used_at > session.created_at


def test_logout_get_without_login_redirects(browser):
    response = browser.get("/logout")

    assert response.status_code == 302
    assert response["Location"] == "/login"


# Forgotten password and reset


def test_forgot_password_hides_unknown_address(browser, user, mailbox):
    known = browser.post("/password/forgot", {"email": user.email})
    unknown = browser.post("/password/forgot", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert known.templates[0].name == unknown.templates[0].name == "accounts/password_forgot_done.html"
    assert [message.to for message in mailbox] == [["mike@example.org"]]


def test_reset_link_ignores_forwarded_host(browser, user, mailbox, settings):
    settings.PUBLIC_BASE_URL = "https://id.example.com"

    browser.post("/password/forgot", {"email": user.email}, HTTP_X_FORWARDED_HOST="attacker.example")

    assert "https://id.example.com/password/reset?token=" in mailbox[-1].body
    assert "attacker.example" not in mailbox[-1].body


def test_reset_link_consumed_only_by_post(browser, user, mailbox):
    browser.post("/password/forgot", {"email": user.email})
    token = link_in(mailbox[-1], "/password/reset")
    password_before = User.objects.get(pk=user.pk).password

    page = browser.get(f"/password/reset?token={token}")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert f'value="{token}"'.encode() in page.content
    assert b'action="/password/reset"' in page.content
    assert User.objects.get(pk=user.pk).password == password_before

    done = browser.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 200
    assert b'href="/login"' in done.content
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)

    reused = browser.post("/password/reset", {"token": token, "new_password": "Third-Strong-88-phrase"})
    assert reused.status_code == 400
    assert error_codes(reused) == {"__all__": ["token_invalid"]}
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_reset_ends_sessions_and_requires_new_login(logged_in, user, mailbox):
    logged_in.post("/password/forgot", {"email": user.email})
    token = link_in(mailbox[-1], "/password/reset")
    session = plinto_session_of(logged_in)

    logged_in.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})

    session.refresh_from_db()
    assert session.revoked_reason == RevokeReason.PASSWORD_RESET
    assert django_user_id(logged_in) is None
    old = logged_in.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    assert error_codes(old) == {"__all__": ["invalid_credentials"]}
    new = logged_in.post("/login", {"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 302


@pytest.mark.parametrize("token", [".", "not-base64.x", "MTIz.x", "a" * 2048])
def test_reset_with_malformed_token_is_rejected(browser, user, token):
    response = browser.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert error_codes(response) == {"__all__": ["token_invalid"]}
    assert User.objects.get(pk=user.pk).check_password(STRONG_PASSWORD)


def test_reset_weak_password_keeps_link(browser, user, mailbox):
    browser.post("/password/forgot", {"email": user.email})
    token = link_in(mailbox[-1], "/password/reset")

    weak = browser.post("/password/reset", {"token": token, "new_password": "short"})

    assert weak.status_code == 400
    assert error_codes(weak) == {"new_password": ["password_too_weak"]}
    assert User.objects.get(pk=user.pk).check_password(STRONG_PASSWORD)
    retried = browser.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})
    assert retried.status_code == 200


def test_reset_rate_limit_shows_429(browser, user, settings):
    settings.RATE_LIMIT_PER_MINUTE = 1
    browser.post("/password/reset", {"token": "forged", "new_password": NEW_PASSWORD})

    response = browser.post("/password/reset", {"token": "forged", "new_password": NEW_PASSWORD})

    assert response.status_code == 429
    assert error_codes(response) == {"__all__": ["rate_limited"]}


# The account page


def test_display_name_too_long_is_rejected(logged_in, user):
    response = logged_in.post("/account/profile", {"display_name": "x" * 151})

    assert response.status_code == 400
    assert error_codes(response, "profile_form") == {"display_name": ["max_length"]}
    user.refresh_from_db()
    assert user.display_name == ""


def test_password_change_keeps_this_session_only(logged_in, user, api, login, mailbox):
    other_tokens = login(user.email)
    current = plinto_session_of(logged_in)

    response = logged_in.post(
        "/account/password", {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert b"Your password is changed" in response.content
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert logged_in.get("/account").status_code == 200
    current.refresh_from_db()
    assert current.is_active
    other = Session.objects.exclude(pk=current.pk).get()
    assert other.revoked_reason == RevokeReason.PASSWORD_CHANGE
    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": other_tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert mailbox[-1].subject == "Your password was changed"


def test_password_change_with_wrong_current_password(logged_in, user, mailbox):
    response = logged_in.post(
        "/account/password", {"current_password": "Wrong-Password-1!", "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert error_codes(response, "password_form") == {"current_password": ["invalid_password"]}
    assert User.objects.get(pk=user.pk).check_password(STRONG_PASSWORD)
    assert mailbox == []


def test_password_change_weak_new_password(logged_in, user):
    response = logged_in.post("/account/password", {"current_password": STRONG_PASSWORD, "new_password": "weak"})

    assert response.status_code == 400
    assert error_codes(response, "password_form") == {"new_password": ["password_too_weak"]}
    assert User.objects.get(pk=user.pk).check_password(STRONG_PASSWORD)


def test_email_change_sends_confirmation_and_notice(logged_in, user, mailbox):
    response = logged_in.post(
        "/account/email", {"email": "mike.new@example.org", "current_password": STRONG_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert b"A confirmation link is on its way to mike.new@example.org" in response.content
    user.refresh_from_db()
    assert user.email == "mike@example.org"
    assert user.pending_email == "mike.new@example.org"
    assert sorted(message.to[0] for message in mailbox) == ["mike.new@example.org", "mike@example.org"]

    token = link_in(next(m for m in mailbox if m.to == ["mike.new@example.org"]), "/verify-email")
    logged_in.post("/verify-email", {"token": token})
    user.refresh_from_db()
    assert user.email == "mike.new@example.org"


def test_email_change_with_wrong_password(logged_in, user, mailbox):
    response = logged_in.post(
        "/account/email", {"email": "mike.new@example.org", "current_password": "Wrong-Password-1!"}
    )

    assert response.status_code == 400
    assert error_codes(response, "email_form") == {"current_password": ["invalid_password"]}
    user.refresh_from_db()
    assert user.pending_email == ""
    assert mailbox == []


def test_email_change_to_taken_address(logged_in, user, make_user, mailbox):
    make_user(email="taken@example.org")

    response = logged_in.post("/account/email", {"email": "taken@example.org", "current_password": STRONG_PASSWORD})

    assert response.status_code == 409
    assert error_codes(response, "email_form") == {"email": ["email_taken"]}
    user.refresh_from_db()
    assert user.pending_email == ""
    assert mailbox == []


def test_account_lists_active_sessions(logged_in, user, login):
    login(user.email)
    revoked = Session.objects.exclude(pk=plinto_session_of(logged_in).pk).get()
    login(user.email)
    revoke_session(revoked, reason=RevokeReason.LOGOUT)

    response = logged_in.get("/account")

    listed = {session.pk for session in response.context["sessions"]}
    assert len(listed) == 2
    assert revoked.pk not in listed
    assert b"(this browser)" in response.content


def test_end_other_session(logged_in, user, login):
    login(user.email)
    other = Session.objects.exclude(pk=plinto_session_of(logged_in).pk).get()

    response = logged_in.post(f"/account/sessions/{other.pk}/end")

    assert response.status_code == 302
    assert response["Location"] == "/account"
    other.refresh_from_db()
    assert other.revoked_reason == RevokeReason.USER_REQUEST
    assert logged_in.get("/account").status_code == 200


def test_end_current_session_logs_out(logged_in):
    current = plinto_session_of(logged_in)

    response = logged_in.post(f"/account/sessions/{current.pk}/end")

    assert response.status_code == 302
    assert response["Location"] == "/login"
    current.refresh_from_db()
    assert current.revoked_reason == RevokeReason.USER_REQUEST
    assert django_user_id(logged_in) is None


def test_end_foreign_session_not_found(logged_in, make_user, login):
    stranger = make_user(email="stranger@example.org")
    login(stranger.email)
    foreign = Session.objects.get(user=stranger)

    response = logged_in.post(f"/account/sessions/{foreign.pk}/end")

    assert response.status_code == 404
    assert b"No active session with id" in response.content
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


@pytest.mark.parametrize(
    "path",
    [
        "/account/profile",
        "/account/password",
        "/account/email",
        "/account/sessions/00000000-0000-0000-0000-000000000000/end",
    ],
)
def test_account_forms_need_login(browser, path):
    response = browser.post(path, {})

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


def test_account_form_rejects_get(logged_in):
    assert logged_in.get("/account/profile").status_code == 405


# Fuzzing what the pages take from strangers

_printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


def _as_browser_resolves(location, base="http://testserver/login"):
    """Resolve a Location header roughly as the URL standard does for http(s) URLs."""
    cleaned = location.strip("".join(chr(code) for code in range(0x21)))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned))


@given(candidate=_printable)
@hypothesis_settings(max_examples=300, deadline=None)
def test_safe_next_never_leaves_the_host(candidate):
    request = RequestFactory().get("/login")

    result = safe_next_url(request, candidate)

    assert result in ("/account", candidate)
    resolved = _as_browser_resolves(result)
    assert resolved.scheme == "http"
    assert resolved.hostname == "testserver"


@given(email=_printable, password=_printable, next_url=_printable)
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_login_never_returns_500(browser, settings, email, password, next_url):
    settings.RATE_LIMIT_ENABLED = False

    response = browser.post("/login", {"email": email, "password": password, "next": next_url})

    assert response.status_code in (200, 400)
    assert Session.objects.count() == 0


@given(token=_printable, new_password=_printable)
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_link_pages_never_return_500(browser, settings, token, new_password):
    settings.RATE_LIMIT_ENABLED = False

    verify = browser.post("/verify-email", {"token": token})
    reset = browser.post("/password/reset", {"token": token, "new_password": new_password})
    opened = browser.get("/password/reset", {"token": token})

    assert verify.status_code == 400
    assert reset.status_code == 400
    assert opened.status_code in (200, 400)
    assert mail.outbox == []
