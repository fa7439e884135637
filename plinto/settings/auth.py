"""Authentication settings: password hashing and policy, tokens, sessions and rate limits."""

from .base import PUBLIC_BASE_URL
from .env import BASE_DIR, VAR_DIR, env

# Argon2id with m=19 MiB, t=2, p=1 (OWASP's first recommendation) unless bcrypt is chosen.
# Hashes made by any other listed hasher are upgraded to the first one at the next login.
PASSWORD_HASHER = env.str("PASSWORD_HASHER", default="argon2")
_ARGON2 = "accounts.passwords.hashers.Argon2idHasher"
_BCRYPT = "accounts.passwords.hashers.BcryptSHA256Hasher"
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

# Tokens. RS256 signs with JWT_PRIVATE_KEY or a key set generated in JWT_KEYS_DIR on first start.
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
# Failed logins on one account before each further attempt waits; the wait doubles per failure
# up to LOGIN_FAILURE_MAX_DELAY seconds, so a stranger can slow an account but not lock it out.
LOGIN_FAILURE_THRESHOLD = env.int("LOGIN_FAILURE_THRESHOLD", default=5)
LOGIN_FAILURE_MAX_DELAY = env.int("LOGIN_FAILURE_MAX_DELAY", default=300)
# How many proxies in front of Plinto append to X-Forwarded-For; 0 ignores the header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Password hashes computed at once per process; more are refused at once with 503.
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=1)
