"""Create the benchmark organization with its members, an owner's token and an API key (bench settings).

Usage: python -m bench.seed_org MEMBERS OUTPUT_JSON
Running it again replaces the organization, its member users and its keys, so every run starts
from the same rows. Writes the organization id, an access token of an owner session that acts in
the organization, and the plaintext of an API key with `organization:read` and `members:read`.
"""

import json
import secrets
import sys
from datetime import timedelta

import django

SLUG = "bench-members"
EMAIL_DOMAIN = "bench-members.example"


def seed(members_count):
    """Replace the benchmark organization with one of `members_count` members; return what the load needs."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Session, User
    from accounts.tokens.access import issue_access_token
    from organizations.models import ApiKey, Membership, Organization
    from organizations.rls import bypass
    from organizations.roles import Permission, Role
    from organizations.services.api_keys import KEY_PREFIX, digest

    now = timezone.now()
    # Every user shares one hash, because no one signs in with these passwords and hashing 10,000 takes minutes.
    encoded = make_password("Bench-Password-2026!")
    with bypass(), transaction.atomic():
        Organization.objects.filter(slug=SLUG).delete()
        User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).delete()

        organization = Organization.objects.create(name="Bench Members", slug=SLUG)
        users = [
            User(
                email=f"member{i}@{EMAIL_DOMAIN}",
                email_key=f"member{i}@{EMAIL_DOMAIN}",
                password=encoded,
                email_verified=True,
            )
            for i in range(members_count)
        ]
        User.objects.bulk_create(users, batch_size=2000)
        memberships = [
            Membership(
                organization=organization,
                user=user,
                role=Role.OWNER if i == 0 else Role.MEMBER,
                created_at=now + timedelta(microseconds=i),
            )
            for i, user in enumerate(users)
        ]
        Membership.objects.bulk_create(memberships, batch_size=2000)

        session = Session.objects.create(
            user=users[0], organization_id=organization.pk, expires_at=now + timedelta(days=1), amr=["pwd"]
        )
        access, _ = issue_access_token(session)

        api_key = KEY_PREFIX + secrets.token_urlsafe(32)
        ApiKey.objects.create(
            organization=organization,
            name="bench",
            prefix=api_key[: len(KEY_PREFIX) + 6],
            key_hash=digest(api_key),
            scopes=sorted([Permission.ORGANIZATION_READ, Permission.MEMBERS_READ]),
            created_by=users[0],
        )

    # Fresh planner statistics, as autovacuum would have them on a server that has run a while.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE organizations_membership, accounts_user")
    return {"organization_id": str(organization.pk), "members": members_count, "access": access, "api_key": api_key}


def main():
    members_count, output = int(sys.argv[1]), sys.argv[2]
    django.setup()
    with open(output, "w") as handle:
        json.dump(seed(members_count), handle)


if __name__ == "__main__":
    main()
