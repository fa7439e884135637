"""Authentication settings: password hashing and policy, tokens, sessions and rate limits."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import PUBLIC_BASE_URL
from .env import BASE_DIR, VAR_DIR, env

# Argon2id with m=19 MiB, t=2, p=1 (OWASP's first recommendation) unless bcrypt is chosen.
# Hashes made by any other listed hasher are upgraded to the first one at the next login.
PASSWORD_HASHER = env.str("PASSWORD_HASHER", default="argon2")
_ARGON2 = "accounts.passwords.hashers.Argon2idHasher"
_BCRYPT = "accounts.passwords.hashers.BcryptSHA256Hasher"
if PASSWORD_HASHER not in ("argon2", "bcrypt"):
    raise ImproperlyConfigured(f"PASSWORD_HASHER={PASSWORD_HASHER!r} is not supported; set it to argon2 or bcrypt.")
PASSWORD_HASHERS = [_BCRYPT, _ARGON2] if PASSWORD_HASHER == "bcrypt" else [_ARGON2, _BCRYPT]
PASSWORD_HASHERS += [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
PASSWORD_MAX_LENGTH = 1024
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.passwords.validators.ComplexityValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.validators.BreachedPasswordValidator"},
    {"NAME": "organizations.passwords.OrganizationMinimumLengthValidator"},
]
# A sorted file of `SHA1:count` lines, in the format of Have I Been Pwned's downloads.
BREACHED_PASSWORDS_FILE = env.str(
    "BREACHED_PASSWORDS_FILE", default=str(BASE_DIR / "accounts" / "data" / "breached-sha1.txt")
)
# A k-anonymity range API such as https://api.pwnedpasswords.com/range/ (the prefix is appended).
BREACHED_PASSWORDS_API_URL = env.str("BREACHED_PASSWORDS_API_URL", default="")
BREACHED_PASSWORDS_API_TIMEOUT = env.float("BREACHED_PASSWORDS_API_TIMEOUT", default=2.0)

PASSWORD_RESET_TIMEOUT = 3600
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 3600)

# Tokens. RS256 signs with JWT_PRIVATE_KEY, or else with a key generated on first use and stored
# encrypted in the database (accounts.SigningKey), so every process shares it.
# NOTE: JWT_KEYS_DIR is read from the environment but nothing uses it.
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="RS256")
JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", default="", multiline=True)
JWT_PUBLIC_KEY = env.str("JWT_PUBLIC_KEY", default="", multiline=True)
JWT_SECRET_KEY = env.str("JWT_SECRET_KEY", default="")
JWT_KEYS_DIR = env.str("JWT_KEYS_DIR", default=str(VAR_DIR / "jwt-keys"))
JWT_ISSUER = env.str("JWT_ISSUER", default=PUBLIC_BASE_URL)
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default=f"{PUBLIC_BASE_URL}/api")
ACCESS_TOKEN_LIFETIME = env.int("ACCESS_TOKEN_LIFETIME", default=15 * 60)
REFRESH_TOKEN_LIFETIME = env.int("REFRESH_TOKEN_LIFETIME", default=7 * 24 * 3600)
# The refresh token just rotated may be presented again this many seconds without revoking the
# session, so two tabs or a retry racing on one refresh do not log the user out.
REFRESH_TOKEN_REUSE_INTERVAL = env.int("REFRESH_TOKEN_REUSE_INTERVAL", default=10)

# Rate limits on authentication endpoints, per client IP and per account, stored in the cache.
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
RATE_LIMIT_PER_MINUTE = env.int("RATE_LIMIT_PER_MINUTE", default=20)
RATE_LIMIT_PER_HOUR = env.int("RATE_LIMIT_PER_HOUR", default=300)
# Failed logins on one account before each further attempt must wait. The wait doubles per
# failure up to LOGIN_FAILURE_MAX_DELAY seconds, so a stranger can slow an account but not lock it out.
LOGIN_FAILURE_THRESHOLD = env.int("LOGIN_FAILURE_THRESHOLD", default=5)
LOGIN_FAILURE_MAX_DELAY = env.int("LOGIN_FAILURE_MAX_DELAY", default=300)
# How many proxies in front of Plinto append to X-Forwarded-For; 0 ignores the header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Password hashes computed at once per process; more are refused at once with 503.
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=1)
# Seconds a login may wait for a free hashing slot before it is refused with 503.
PASSWORD_HASH_QUEUE_TIMEOUT = env.float("PASSWORD_HASH_QUEUE_TIMEOUT", default=0.25)

# Multi-factor authentication.
# A Fernet key (urlsafe base64 of 32 bytes) that encrypts TOTP seeds at rest. When unset, a key is
# derived from SECRET_KEY with HKDF, so rotating SECRET_KEY then makes enrolled seeds unreadable.
MFA_ENCRYPTION_KEY = env.str("MFA_ENCRYPTION_KEY", default="")
# How long an mfa_token from the first login step stays valid, and how many wrong codes it takes.
MFA_CHALLENGE_LIFETIME = env.int("MFA_CHALLENGE_LIFETIME", default=300)
MFA_CHALLENGE_MAX_ATTEMPTS = env.int("MFA_CHALLENGE_MAX_ATTEMPTS", default=5)
# Seconds since the session's last authentication within which sensitive changes are allowed.
MFA_STEP_UP_MAX_AGE = env.int("MFA_STEP_UP_MAX_AGE", default=300)
# TOTP: the issuer name shown in authenticator apps, and the time steps of clock drift accepted
# on each side of the current one.
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Plinto")
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
# Per-device throttling: after n consecutive failures a device waits FACTOR * 2**(n-1) seconds.
MFA_THROTTLE_FACTOR = env.int("MFA_THROTTLE_FACTOR", default=1)
# Backup codes: how many a set has, and below how many unused ones the user is warned.
MFA_BACKUP_CODE_COUNT = env.int("MFA_BACKUP_CODE_COUNT", default=10)
MFA_BACKUP_CODE_WARN_BELOW = env.int("MFA_BACKUP_CODE_WARN_BELOW", default=3)
# Email codes: lifetime in seconds.
MFA_EMAIL_CODE_LIFETIME = env.int("MFA_EMAIL_CODE_LIFETIME", default=600)
# SMS codes: lifetime in seconds, and how many codes (enrollment and login together) may be sent
# per hour to one number and for one account; 0 turns a limit off.
MFA_SMS_CODE_LIFETIME = env.int("MFA_SMS_CODE_LIFETIME", default=600)
MFA_SMS_PER_NUMBER_PER_HOUR = env.int("MFA_SMS_PER_NUMBER_PER_HOUR", default=5)
MFA_SMS_PER_ACCOUNT_PER_HOUR = env.int("MFA_SMS_PER_ACCOUNT_PER_HOUR", default=10)

# Passkeys (WebAuthn). The relying party id and the origins are compared exactly: a browser on
# any other origin, or a credential made for another RP id, is rejected.
# Browsers reject an IP address as RP id, so a loopback PUBLIC_BASE_URL (the embedded default)
# makes the defaults localhost with the same port: passkeys then work at http://localhost:8000.
_public_url = urlsplit(PUBLIC_BASE_URL)
_passkey_host = _public_url.hostname or "localhost"
_passkey_netloc = _public_url.netloc
if _passkey_host in ("127.0.0.1", "::1"):
    _passkey_host = "localhost"
    _passkey_netloc = "localhost" + (f":{_public_url.port}" if _public_url.port else "")
PASSKEY_RP_ID = env.str("PASSKEY_RP_ID", default=_passkey_host)
PASSKEY_RP_NAME = env.str("PASSKEY_RP_NAME", default="Plinto")
PASSKEY_ORIGINS = env.list("PASSKEY_ORIGINS", default=[f"{_public_url.scheme}://{_passkey_netloc}"])
PASSKEY_REQUIRE_USER_VERIFICATION = env.bool("PASSKEY_REQUIRE_USER_VERIFICATION", default=True)
# Authenticator models (AAGUIDs) allowed to register. Empty allows any authenticator and requests
# no attestation. Otherwise registration needs an attestation naming one of them.
PASSKEY_ALLOWED_AAGUIDS = env.list("PASSKEY_ALLOWED_AAGUIDS", default=[])
# A PEM bundle of the root certificates attestations must chain to, such as those of the FIDO
# Metadata Service. Without it an allowed AAGUID is only what the authenticator claims.
PASSKEY_ATTESTATION_ROOT_CERTS = env.str("PASSKEY_ATTESTATION_ROOT_CERTS", default="")
