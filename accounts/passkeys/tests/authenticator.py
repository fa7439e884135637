"""A software WebAuthn authenticator for the tests, built on cryptography and cbor2.

It creates ES256 credentials, returns registration responses with `none` or `packed` attestation
and signs assertions, with settable user presence and verification flags and a settable signature
counter. Every field a test may want to spoil (origin, RP id, challenge, counter) is a
parameter, so a negative case changes one input and keeps everything else valid.
"""

import base64
import datetime
import hashlib
import json
import os
import struct
import uuid
from dataclasses import dataclass, field

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
COSE_ES256 = -7


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class Attestation:
    """A certificate authority and the model it vouches for, for `packed` attestation."""

    aaguid: uuid.UUID
    root_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    leaf_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def __post_init__(self):
        now = datetime.datetime.now(datetime.UTC)
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Attestation Root")])
        self.root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.root_key, hashes.SHA256())
        )
        leaf_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Authenticators"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Test Authenticator"),
            ]
        )
        self.leaf_cert = (
            x509.CertificateBuilder()
            .subject_name(leaf_name)
            .issuer_name(root_name)
            .public_key(self.leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.root_key, hashes.SHA256())
        )

    def root_pem(self):
        return self.root_cert.public_bytes(serialization.Encoding.PEM)


class SoftAuthenticator:
    """An authenticator holding its credentials in memory, like a security key without a device."""

    def __init__(self, *, aaguid=None, attestation=None, user_present=True, user_verified=True, synced=False):
        self.aaguid = attestation.aaguid if attestation else (aaguid or uuid.UUID(int=0))
        self.attestation = attestation
        self.user_present = user_present
        self.user_verified = user_verified
        self.synced = synced
        self.credentials = []

    def _flags(self, *extra):
        flags = 0
        if self.user_present:
            flags |= FLAG_UP
        if self.user_verified:
            flags |= FLAG_UV
        if self.synced:
            flags |= FLAG_BE | FLAG_BS
        for flag in extra:
            flags |= flag
        return flags

    def create(self, options, *, origin, rp_id=None, challenge=None, client_type="webauthn.create"):
        """Build the registration response to navigator.credentials.create() options (WebAuthn JSON)."""
        rp_id = rp_id or options["rp"]["id"]
        credential = Credential(
            credential_id=os.urandom(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]),
        )
        numbers = credential.private_key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: COSE_ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )
        attested = self.aaguid.bytes + struct.pack(">H", len(credential.credential_id)) + credential.credential_id
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(FLAG_AT)])
            + struct.pack(">I", credential.sign_count)
            + attested
            + cose_key
        )
        client_data = _client_data(client_type, challenge or options["challenge"], origin)
        attestation_object = cbor2.dumps(
            {
                "fmt": "packed" if self.attestation else "none",
                "attStmt": self._statement(auth_data, client_data),
                "authData": auth_data,
            }
        )
        self.credentials.append(credential)
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def _statement(self, auth_data, client_data):
        if self.attestation is None:
            return {}
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.attestation.leaf_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        leaf = self.attestation.leaf_cert.public_bytes(serialization.Encoding.DER)
        return {"alg": COSE_ES256, "sig": signature, "x5c": [leaf]}

    def get(
        self,
        options,
        *,
        origin,
        credential=None,
        rp_id=None,
        challenge=None,
        sign_count=None,
        user_handle=True,
        client_type="webauthn.get",
    ):
        """Build an assertion by `credential` (default: the newest) for navigator.credentials.get() options.

        The counter goes up by one on each call unless `sign_count` sets the value to report.
        """
        credential = credential or self.credentials[-1]
        if sign_count is None:
            credential.sign_count += 1
        else:
            credential.sign_count = sign_count
        rp_id = rp_id or options.get("rpId") or credential.rp_id
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags()]) + struct.pack(">I", credential.sign_count)
        )
        client_data = _client_data(client_type, challenge or options["challenge"], origin)
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if user_handle:
            response["userHandle"] = b64url(credential.user_handle)
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def _client_data(client_type, challenge, origin):
    return json.dumps(
        {"type": client_type, "challenge": challenge, "origin": origin, "crossOrigin": False}, separators=(",", ":")
    ).encode()
