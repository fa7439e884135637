"""Every login door requires the second factor once TOTP is enrolled.

The doors that exist here: the API login, the hosted login, the /admin/ login (which redirects to
the hosted one), and the hosted and API logins that follow a password reset. SAML and the OIDC
authorize endpoint do not exist on this branch yet.
"""

import pytest

from accounts.mfa.models import MfaChallenge
from accounts.models import Session
from accounts.pages.session import PENDING_LOGIN_KEY, SESSION_KEY
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient, link_in

from .conftest import fresh_totp_code

NEW_PASSWORD = "Another-Strong-77-phrase"


def api_login(api, user, password=STRONG_PASSWORD):
    """Return whether the API login stopped at the second factor without issuing tokens."""
    body = api.post("/api/v1/auth/login", {"email": user.email, "password": password}).json()
    return body.get("mfa_required") is True and "access_token" not in body and "refresh_token" not in body


def hosted_login(browser, user, password=STRONG_PASSWORD, next_url=""):
    """Return whether the login page stopped at the challenge page without logging in."""
    data = {"email": user.email, "password": password}
    if next_url:
        data["next"] = next_url
    response = browser.post("/login", data)
    return (
        response.status_code == 302
        and response["Location"] == "/login/mfa"
        and PENDING_LOGIN_KEY in browser.session
        and SESSION_KEY not in browser.session
        and browser.session.get("_auth_user_id") is None
    )


def door_api(api, browser, user, mailbox):
    return api_login(api, user)


def door_hosted(api, browser, user, mailbox):
    return hosted_login(browser, user)


def door_admin(api, browser, user, mailbox):
    # The admin sends an anonymous browser to its login, which sends it to the hosted login.
    to_admin_login = browser.get("/admin/")
    to_hosted_login = browser.get(to_admin_login["Location"])
    assert to_hosted_login["Location"] == "/login?next=/admin/"
    stopped = hosted_login(browser, user, next_url="/admin/")
    # The password alone does not open the admin.
    assert browser.get("/admin/").status_code == 302
    return stopped


def _reset_password_on_pages(browser, user, mailbox):
    browser.post("/password/forgot", {"email": user.email})
    token = link_in(mailbox[-1], "/password/reset")
    response = browser.post("/password/reset", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 200


def door_hosted_after_reset(api, browser, user, mailbox):
    _reset_password_on_pages(browser, user, mailbox)
    return hosted_login(browser, user, password=NEW_PASSWORD)


def door_api_after_reset(api, browser, user, mailbox):
    api.post("/api/v1/auth/password/forgot", {"email": user.email})
    token = link_in(mailbox[-1], "/password/reset")
    response = api.post("/api/v1/auth/password/reset", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code in (200, 204), response.content
    return api_login(api, user, password=NEW_PASSWORD)


DOORS = {
    "api": door_api,
    "hosted": door_hosted,
    "admin": door_admin,
    "hosted after reset": door_hosted_after_reset,
    "api after reset": door_api_after_reset,
}


@pytest.mark.parametrize("door", DOORS.values(), ids=DOORS.keys())
def test_door_demands_second_factor(api, make_user, enroll_totp, mailbox, door):
    user = make_user(is_staff=True)
    enroll_totp(user)
    browser = PageClient()

    stopped = door(api, browser, user, mailbox)

    assert stopped
    assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    assert MfaChallenge.objects.filter(user=user, consumed_at__isnull=True).count() == 1


# The /admin/ door in detail


@pytest.fixture
def staff(make_user, enroll_totp):
    user = make_user(is_staff=True, is_superuser=True)
    user.seed = enroll_totp(user)
    return user


def test_admin_opens_after_second_factor(db, staff):
    browser = PageClient()
    hosted_login(browser, staff, next_url="/admin/")

    response = browser.post("/login/mfa/verify", {"method": "totp", "code": fresh_totp_code(staff.seed)})

    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_admin_rejects_login_without_plinto_session(db, staff):
    browser = PageClient()
    # A Django login made outside the hosted pages, as Django's own admin form would.
    browser.force_login(staff)

    response = browser.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_login_form_is_gone(db, staff):
    browser = PageClient()

    response = browser.post("/admin/login/?next=/admin/", {"username": staff.email, "password": STRONG_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/admin/"
    assert browser.session.get("_auth_user_id") is None
    assert Session.objects.count() == 0


def test_admin_denies_non_staff_without_loop(db, user):
    browser = PageClient()
    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    response = browser.get("/admin/login/?next=/admin/")

    assert response.status_code == 403
    assert b"not a staff account" in response.content


def test_admin_logout_and_password_change_use_hosted_pages(db, staff):
    browser = PageClient()
    hosted_login(browser, staff, next_url="/admin/")
    browser.post("/login/mfa/verify", {"method": "totp", "code": fresh_totp_code(staff.seed)})

    assert browser.get("/admin/password_change/")["Location"] == "/account"
    assert browser.post("/admin/logout/")["Location"] == "/logout"


def test_admin_login_ignores_offsite_next(db, staff):
    browser = PageClient()
    hosted_login(browser, staff, next_url="/admin/")
    browser.post("/login/mfa/verify", {"method": "totp", "code": fresh_totp_code(staff.seed)})

    response = browser.get("/admin/login/?next=https://elsewhere.example/")

    assert response.status_code == 302
    assert response["Location"] == "/account"
