"""Password hashers with Plinto's parameters, applied to the NFKC form of the password."""

from django.contrib.auth import hashers

from ..normalization import normalize_password


class Argon2idHasher(hashers.Argon2PasswordHasher):
    """Argon2id with m=19 MiB, t=2, p=1, the first of OWASP's recommended settings."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1

    def encode(self, password, salt):
        return super().encode(normalize_password(password), salt)

    def verify(self, password, encoded):
        return super().verify(normalize_password(password), encoded)


class BcryptSHA256Hasher(hashers.BCryptSHA256PasswordHasher):
    """bcrypt over a SHA-256 pre-hash (so long passwords are not truncated), cost 12."""

    rounds = 12

    def encode(self, password, salt):
        return super().encode(normalize_password(password), salt)

    def verify(self, password, encoded):
        return super().verify(normalize_password(password), encoded)
