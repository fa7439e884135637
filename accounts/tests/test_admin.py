"""The platform admin at /admin/: users, sessions and audit events, every change audited."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Session, User
from audit.models import AuditEvent
from audit.services import record
from plinto.testing.fixtures import page_login

USERS = "/admin/accounts/user/"
SESSIONS = "/admin/accounts/session/"
AUDIT_EVENTS = "/admin/audit/auditevent/"


@pytest.fixture
def staff(make_user):
    return make_user(email="staff@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    page_login(client, staff)
    return client


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


def _user_form(user, **changes):
    """Return the POST data of the user change form as it is shown, with `changes` applied."""
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "pending_email": user.pending_email,
        "custom_attributes": "{}",
        # The page posts the initial value of a field with a callable default next to the field.
        "initial-custom_attributes": "{}",
        "auth_sessions-TOTAL_FORMS": "0",
        "auth_sessions-INITIAL_FORMS": "0",
        "auth_sessions-MIN_NUM_FORMS": "0",
        "auth_sessions-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    if user.email_verified:
        data["email_verified"] = "on"
    data.update(changes)
    return data


# Users


def test_staff_lists_users(staff_client, make_user):
    make_user(email="ana@example.org")
    make_user(email="bo@example.org")

    response = staff_client.get(USERS)

    assert response.status_code == 200
    assert "ana@example.org" in response.content.decode()
    assert "bo@example.org" in response.content.decode()


@pytest.mark.parametrize("term", ["MIKE@Example.org", "ｍｉｋｅ@example.org", "mike", "Mike Person"])
def test_search_finds_user(staff_client, make_user, term):
    mike = make_user(email="mike@example.org", display_name="Mike Person")
    make_user(email="ana@example.org", display_name="Ana")

    response = staff_client.get(USERS, {"q": term})

    assert [user.pk for user in response.context["cl"].result_list] == [mike.pk]


def test_search_by_user_id(staff_client, user, make_user):
    make_user(email="ana@example.org")

    response = staff_client.get(USERS, {"q": str(user.pk)})

    assert [found.pk for found in response.context["cl"].result_list] == [user.pk]


def test_non_staff_cannot_open_admin(user):
    client = Client()
    client.force_login(user)

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_deactivate_action_ends_sessions(staff_client, staff, api, user, login):
    tokens = login(user.email)
    login(user.email)

    response = staff_client.post(USERS, {"action": "deactivate", "_selected_action": [str(user.pk)]})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert set(Session.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {"deactivated"}
    assert api.bearer(tokens["access_token"]).get("/api/v1/me").status_code == 401
    api.credentials()
    assert api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
    for action in ("user.deactivated", "session.revoked_all"):
        [event] = _events(action)
        assert (event.actor_type, event.actor_id) == ("user", str(staff.pk))
        assert event.target_id == str(user.pk)
        assert event.request_id
    assert _events("session.revoked_all")[0].metadata == {"reason": "deactivated", "count": 2}


def test_deactivate_leaves_own_account_active(staff_client, staff):
    response = staff_client.post(USERS, {"action": "deactivate", "_selected_action": [str(staff.pk)]}, follow=True)

    staff.refresh_from_db()
    assert staff.is_active is True
    assert "Your own account was left active" in response.content.decode()
    assert _events("user.deactivated") == []


def test_view_only_staff_cannot_deactivate(make_user, user):
    viewer = make_user(email="viewer@example.org", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = Client()
    page_login(client, viewer)

    listing = client.get(USERS)
    client.post(USERS, {"action": "deactivate", "_selected_action": [str(user.pk)]})

    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action is offered
    user.refresh_from_db()
    assert user.is_active is True
    assert _events("user.deactivated") == []


def test_reactivate_action(staff_client, staff, make_user):
    inactive = make_user(email="gone@example.org", is_active=False)

    staff_client.post(USERS, {"action": "reactivate", "_selected_action": [str(inactive.pk)]})

    inactive.refresh_from_db()
    assert inactive.is_active is True
    [event] = _events("user.reactivated")
    assert event.actor_id == str(staff.pk)


def test_change_form_is_audited(staff_client, staff, make_user):
    target = make_user(email="ana@example.org", display_name="Ana")

    response = staff_client.post(f"{USERS}{target.pk}/change/", _user_form(target, display_name="Ana Lopez"))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.display_name == "Ana Lopez"
    [event] = _events("user.updated")
    assert (event.actor_id, event.target_id) == (str(staff.pk), str(target.pk))
    assert event.metadata == {"via": "admin", "fields": ["Display name"]}


def test_change_to_taken_email_is_form_error(staff_client, make_user):
    make_user(email="ana@example.org")
    target = make_user(email="bo@example.org")

    response = staff_client.post(f"{USERS}{target.pk}/change/", _user_form(target, email="ANA@example.org"))

    assert response.status_code == 200
    assert "Another account uses this email address." in response.content.decode()
    target.refresh_from_db()
    assert target.email == "bo@example.org"
    assert _events("user.updated") == []


def test_change_page_hides_password_hash(staff_client, user):
    response = staff_client.get(f"{USERS}{user.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert user.password not in page
    assert user.password.split("$")[-1] not in page
    assert "Set (argon2 hash)" in page


def test_added_user_has_no_usable_password(staff_client, staff):
    data = _user_form(User(email="new@example.org"))

    response = staff_client.post(f"{USERS}add/", data)

    assert response.status_code == 302
    added = User.objects.get(email_key="new@example.org")
    assert added.has_usable_password() is False
    [event] = _events("user.created")
    assert (event.actor_id, event.target_id, event.metadata) == (str(staff.pk), str(added.pk), {"via": "admin"})


def test_delete_user_is_audited(staff_client, staff, api, user, login):
    tokens = login(user.email)

    response = staff_client.post(f"{USERS}{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(user_id=user.pk).exists()
    assert api.bearer(tokens["access_token"]).get("/api/v1/me").status_code == 401
    [event] = _events("user.deleted")
    assert (event.actor_id, event.target_id, event.target_display) == (str(staff.pk), str(user.pk), user.email)


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (USERS, "password__startswith=argon2"),
        (USERS, "password__regex=^argon2"),
        (USERS, "password__contains=argon2"),
        (USERS, "password=x"),
        (USERS, "auth_sessions__user__password__startswith=argon2"),
        (SESSIONS, "user__password__startswith=argon2"),
    ],
)
def test_password_lookups_are_refused(staff_client, user, login, url, query):
    login(user.email)

    response = staff_client.get(f"{url}?{query}")

    assert response.status_code == 400


# Sessions


def test_revoke_session_action(staff_client, staff, api, user, login):
    tokens = login(user.email)
    session = Session.objects.get(user=user)

    response = staff_client.post(SESSIONS, {"action": "revoke", "_selected_action": [str(session.pk)]})

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.revoked_reason == "admin"
    assert api.bearer(tokens["access_token"]).get("/api/v1/me").status_code == 401
    [event] = _events("session.revoked")
    assert (event.actor_id, event.target_id) == (str(staff.pk), str(session.pk))
    assert event.metadata == {"reason": "admin"}


def test_search_sessions_by_email(staff_client, user, make_user, login):
    login(user.email)
    other = make_user(email="ana@example.org")
    login(other.email)

    response = staff_client.get(SESSIONS, {"q": "MIKE@example.org"})

    assert [session.user_id for session in response.context["cl"].result_list] == [user.pk]


def test_session_change_view_is_read_only(staff_client, user, login):
    login(user.email)
    session = Session.objects.get(user=user)

    shown = staff_client.get(f"{SESSIONS}{session.pk}/change/")
    posted = staff_client.post(f"{SESSIONS}{session.pk}/change/", {"revoked_reason": "edited"})

    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert posted.status_code == 403
    session.refresh_from_db()
    assert session.revoked_reason == ""


# Audit events


@pytest.fixture
def audit_event(db):
    return record("user.updated", actor=("user", "7", "ana@example.org"), metadata={"fields": ["display_name"]})


def test_audit_events_are_listed(staff_client, audit_event):
    response = staff_client.get(AUDIT_EVENTS, {"action": "user.updated"})

    assert response.status_code == 200
    assert [event.pk for event in response.context["cl"].result_list] == [audit_event.pk]
    assert response.context["action_form"] is None  # not even delete_selected


def test_audit_event_change_view_cannot_save(staff_client, audit_event):
    url = f"{AUDIT_EVENTS}{audit_event.pk}/change/"

    shown = staff_client.get(url)
    posted = staff_client.post(url, {"action": "user.rewritten", "outcome": "failure"})

    assert shown.status_code == 200
    assert "user.updated" in shown.content.decode()
    assert 'name="_save"' not in shown.content.decode()
    assert posted.status_code == 403
    assert AuditEvent.objects.get(pk=audit_event.pk).action == "user.updated"


def test_audit_events_cannot_be_added_or_deleted(staff_client, audit_event):
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))

    added = staff_client.post(f"{AUDIT_EVENTS}add/", {"action": "user.forged"})
    deleted = staff_client.post(f"{AUDIT_EVENTS}{audit_event.pk}/delete/", {"post": "yes"})
    bulk = staff_client.post(
        AUDIT_EVENTS, {"action": "delete_selected", "_selected_action": [str(audit_event.pk)], "post": "yes"}
    )

    assert added.status_code == 403
    assert deleted.status_code == 403
    assert bulk.status_code in (200, 302)
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)) == before
