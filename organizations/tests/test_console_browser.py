"""A real browser runs the console: invite a member, see them join, and meet 404 at other tenants.

Chromium runs through Playwright from /usr/bin/chromium. Outside CI the test is skipped, with the
reason, when Chromium is missing or cannot start; with CI set, that is a failure instead.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.mfa.tests.test_browser_mfa import STEP_TIMEOUT_MS, chromium
from organizations import rls
from organizations.models import ApiKey, Invitation, Membership
from plinto.testing.fixtures import STRONG_PASSWORD, link_in


def _log_in(page, base_url, email):
    page.goto(f"{base_url}/login?next=/console/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/console/")


@pytest.mark.slow
def test_admin_invites_member_in_chromium(audit_truncate_allowed, live_server, make_org, add_member):
    # Given an admin of acme, and another organization with a member, an invitation and a key
    acme = make_org(slug="acme")
    admin = add_member(acme, role="admin", email="admin@acme.example")
    globex = make_org(slug="globex")
    outsider = add_member(globex, role="member", email="member@globex.example")
    with rls.tenant(globex.pk):
        globex_member = Membership.objects.get(user=outsider)
        globex_invitation = Invitation.objects.create(
            organization=globex,
            email="guest@globex.example",
            email_key="guest@globex.example",
            token_hash="c" * 64,
            expires_at=timezone.now() + timedelta(days=7),
        )
        globex_key = ApiKey.objects.create(organization=globex, name="ci", prefix="plk_ghijkl", key_hash="d" * 64)
    base_url = live_server.url
    mail.outbox.clear()

    with chromium() as browser:
        admin_page = browser.new_context().new_page()
        admin_page.set_default_timeout(STEP_TIMEOUT_MS)

        # When the admin logs in to the console and invites an address
        _log_in(admin_page, base_url, admin.email)
        admin_page.get_by_role("link", name=acme.name).click()
        admin_page.get_by_role("link", name="Invitations").click()
        admin_page.get_by_label("Email address").fill("new@acme.example")
        admin_page.get_by_role("button", name="Send invitation").click()
        admin_page.wait_for_url(f"{base_url}/console/{acme.pk}/invitations")
        token = link_in(mail.outbox[-1], "/invitations/accept")

        # and the invited person opens the link in another browser and registers
        guest_page = browser.new_context().new_page()
        guest_page.set_default_timeout(STEP_TIMEOUT_MS)
        guest_page.goto(f"{base_url}/invitations/accept?token={token}")
        guest_page.get_by_label("Password").fill(STRONG_PASSWORD)
        guest_page.get_by_role("button", name="Create account and accept").click()
        guest_page.wait_for_url(f"{base_url}/login")

        # then the new member appears in the admin's list
        admin_page.goto(f"{base_url}/console/{acme.pk}/")
        members_table = admin_page.get_by_role("table").inner_text()

        # and URLs under acme naming globex's organization, member, invitation and key return 404
        statuses = {}
        for name, url in {
            "organization": f"/console/{globex.pk}/",
            "member": f"/console/{globex.pk}/members/{globex_member.pk}/role",
            "invitation": f"/console/{acme.pk}/invitations/{globex_invitation.pk}/revoke",
            "api key": f"/console/{acme.pk}/api-keys/{globex_key.pk}/revoke",
            "member under acme": f"/console/{acme.pk}/members/{globex_member.pk}/remove",
        }.items():
            if url.endswith(("/role", "/revoke", "/remove")):
                # A form post, as the browser sends it, with the page's CSRF token.
                admin_page.goto(f"{base_url}/console/{acme.pk}/")
                csrf = admin_page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
                response = admin_page.request.post(
                    f"{base_url}{url}",
                    form={"csrfmiddlewaretoken": csrf, "role": "admin"},
                    headers={"Referer": f"{base_url}/console/{acme.pk}/"},
                )
                statuses[name] = response.status
            else:
                statuses[name] = admin_page.goto(f"{base_url}{url}").status

    assert "new@acme.example" in members_table
    assert statuses == {name: 404 for name in statuses}
    with rls.bypass():
        assert Membership.objects.filter(organization=acme, user__email="new@acme.example").count() == 1
        assert Membership.objects.get(pk=globex_member.pk).role == "member"
        assert Invitation.objects.get(pk=globex_invitation.pk).revoked_at is None
        assert ApiKey.objects.get(pk=globex_key.pk).revoked_at is None
