"""Two admins demoting the last two owners at the same moment leave one owner (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection, connections

from organizations import rls
from organizations.models import Membership
from organizations.roles import Role, permissions_of
from organizations.scoping import Scope
from organizations.services import memberships
from plinto.api_errors import ApiError

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks across connections; SQLite has no SELECT ... FOR UPDATE; set DATABASE_URL",
)


def test_concurrent_demotions_keep_one_owner(audit_truncate_allowed, make_org, add_member, monkeypatch):
    org = make_org(slug="acme")
    second = add_member(org, role="owner")
    with rls.bypass():
        owner_rows = list(Membership.objects.filter(organization=org, role=Role.OWNER))
    assert len(owner_rows) == 2
    assert second in {row.user for row in owner_rows}

    # Widen the window between reading the owners and writing the new role, so that without
    # the row locks both demotions would pass the check.
    original = memberships._ensure_another_owner

    def slow_check(membership):
        original(membership)
        time.sleep(0.3)

    monkeypatch.setattr(memberships, "_ensure_another_owner", slow_check)
    start = threading.Barrier(2)
    outcomes = []

    def demote(membership):
        try:
            scope = Scope(org, actor=org.owner, permissions=permissions_of(Role.OWNER))
            start.wait()
            with rls.tenant(org.pk):
                memberships.change_role(None, scope, membership.pk, Role.MEMBER)
            outcomes.append("demoted")
        except ApiError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=(row,)) for row in owner_rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["demoted", "last_owner"]
    with rls.bypass():
        assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1
