"""Create benchmark users with one passkey each, and write their private keys (run with bench settings).

Usage: python -m bench.seed_passkeys USERS OUTPUT_JSON
Running it again replaces the users and their passkeys. The load process rebuilds the software
authenticator's credentials from OUTPUT_JSON (see `load_credentials`) and signs assertions with them.
"""

import base64
import json
import os
import sys

import cbor2
import django
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

EMAIL_DOMAIN = "bench-passkeys.example"
COSE_ES256 = -7


def cose_public_key(private_key):
    """Return the COSE_Key (EC2, P-256, ES256) of `private_key`'s public half, as registration stores it."""
    numbers = private_key.public_key().public_numbers()
    return cbor2.dumps(
        {1: 2, 3: COSE_ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )


def load_credentials(seed):
    """Return the software authenticator's Credential objects for a seed written by this module."""
    from accounts.passkeys.tests.authenticator import Credential, unb64url

    return [
        Credential(
            credential_id=unb64url(row["credential_id"]),
            private_key=serialization.load_der_private_key(base64.b64decode(row["private_key"]), password=None),
            rp_id=seed["rp_id"],
            user_handle=unb64url(row["user_handle"]),
        )
        for row in seed["credentials"]
    ]


def seed(users_count):
    """Replace the benchmark passkey users with `users_count` new ones; return their credentials."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from accounts.passkeys.models import Passkey
    from accounts.passkeys.tests.authenticator import b64url

    rows, passkeys = [], []
    with transaction.atomic():
        User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).delete()
        users = [
            User(
                email=f"passkey{i}@{EMAIL_DOMAIN}",
                email_key=f"passkey{i}@{EMAIL_DOMAIN}",
                password=make_password(None),
                email_verified=True,
            )
            for i in range(users_count)
        ]
        User.objects.bulk_create(users, batch_size=1000)
        for user in users:
            private_key = ec.generate_private_key(ec.SECP256R1())
            credential_id = b64url(os.urandom(32))
            passkeys.append(
                Passkey(
                    user=user,
                    credential_id=credential_id,
                    public_key=cose_public_key(private_key),
                    aaguid="00000000-0000-0000-0000-000000000000",
                    attestation_format="none",
                    name="Bench key",
                )
            )
            der = private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            rows.append(
                {
                    "credential_id": credential_id,
                    "user_handle": b64url(user.pk.bytes),
                    "private_key": base64.b64encode(der).decode(),
                }
            )
        Passkey.objects.bulk_create(passkeys, batch_size=1000)

    return {"rp_id": settings.PASSKEY_RP_ID, "origin": settings.PASSKEY_ORIGINS[0], "credentials": rows}


def main():
    users_count, output = int(sys.argv[1]), sys.argv[2]
    django.setup()
    with open(output, "w") as handle:
        json.dump(seed(users_count), handle)


if __name__ == "__main__":
    main()
