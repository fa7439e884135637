"""Create benchmark users and sessions directly in the database (run with bench settings).

Usage: python -m bench.seed USERS SESSIONS OUTPUT_JSON
Writes the users' emails, the shared password, and one refresh and access token per session.
"""

import json
import sys
from datetime import timedelta

import django


def main():
    users_count, sessions_count, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import RefreshToken, Session, User
    from accounts.tokens.access import issue_access_token
    from accounts.tokens.refresh import hash_token, new_refresh_token

    password = "Bench-Password-2026!"
    encoded = make_password(password)
    User.objects.filter(email__endswith="@bench.example").delete()
    users = [
        User(email=f"user{i}@bench.example", email_key=f"user{i}@bench.example", password=encoded, email_verified=True)
        for i in range(users_count)
    ]
    User.objects.bulk_create(users, batch_size=1000)

    now = timezone.now()
    sessions, refresh_rows, tokens = [], [], []
    for i in range(sessions_count):
        session = Session(user=users[i % users_count], expires_at=now + timedelta(days=7), amr=["pwd"])
        sessions.append(session)
    Session.objects.bulk_create(sessions, batch_size=1000)
    for session in sessions:
        refresh = new_refresh_token()
        refresh_rows.append(RefreshToken(token_hash=hash_token(refresh), session=session))
        access, _ = issue_access_token(session)
        tokens.append({"refresh": refresh, "access": access})
    RefreshToken.objects.bulk_create(refresh_rows, batch_size=1000)

    with open(output, "w") as handle:
        json.dump({"password": password, "emails": [u.email for u in users], "tokens": tokens}, handle)


if __name__ == "__main__":
    main()
