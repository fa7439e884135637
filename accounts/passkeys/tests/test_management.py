"""Listing, renaming and removing one's own passkeys."""

from datetime import timedelta

from accounts.models import Session
from accounts.passkeys.models import Passkey
from audit.models import AuditEvent


def _url(passkey_id):
    return f"/api/v1/passkeys/{passkey_id}"


def test_list_shows_own_passkeys_only(client, passkey, make_user, signed_in, register):
    other = signed_in(make_user())
    assert register(other, name="Other").status_code == 201

    response = client.get("/api/v1/passkeys")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [passkey["id"]]
    assert set(response.json()[0]) == {"id", "name", "aaguid", "transports", "backed_up", "created_at", "last_used_at"}


def test_rename_changes_name_and_audits(client, passkey):
    response = client.patch(_url(passkey["id"]), {"name": "  Phone  "})

    assert response.status_code == 200
    assert response.json()["name"] == "Phone"
    assert Passkey.objects.get().name == "Phone"
    event = AuditEvent.objects.get(action="passkey.renamed")
    assert event.metadata == {"old_name": "Laptop", "new_name": "Phone"}


def test_rename_blank_name_rejected(client, passkey):
    response = client.patch(_url(passkey["id"]), {"name": ""})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    assert Passkey.objects.get().name == "Laptop"


def test_other_users_passkey_not_found(passkey, make_user, signed_in):
    stranger = signed_in(make_user())

    renamed = stranger.patch(_url(passkey["id"]), {"name": "Mine"})
    removed = stranger.delete(_url(passkey["id"]))

    assert renamed.status_code == 404
    assert renamed.json()["code"] == "not_found"
    assert removed.status_code == 404
    assert Passkey.objects.get().name == "Laptop"


def test_remove_deletes_audits_and_notifies(client, passkey, user, mailbox):
    mailbox.clear()

    response = client.delete(_url(passkey["id"]))

    assert response.status_code == 204
    assert Passkey.objects.count() == 0
    assert AuditEvent.objects.filter(action="passkey.removed", target_id=passkey["id"]).exists()
    assert [m.subject for m in mailbox] == ["A passkey was removed from your account"]
    assert mailbox[0].to == [user.email]


def test_remove_needs_recent_login(client, passkey, mailbox):
    mailbox.clear()
    Session.objects.update(auth_time=Session.objects.get().auth_time - timedelta(seconds=301))

    response = client.delete(_url(passkey["id"]))

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert Passkey.objects.count() == 1
    assert not AuditEvent.objects.filter(action="passkey.removed").exists()
    assert mailbox == []


def test_step_up_age_follows_setting(client, passkey, settings):
    settings.MFA_STEP_UP_MAX_AGE = 3600
    Session.objects.update(auth_time=Session.objects.get().auth_time - timedelta(seconds=1800))

    response = client.delete(_url(passkey["id"]))

    assert response.status_code == 204
