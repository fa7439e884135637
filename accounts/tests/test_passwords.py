"""Password policy, hashing, NFKC normalisation and login without account enumeration."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password

from accounts.models import Session, User
from accounts.passwords.hashers import Argon2idHasher
from plinto.testing.fixtures import STRONG_PASSWORD

MEGABYTE = "Aa1!" * 262_144


def fullwidth(text):
    """Return `text` with printable ASCII replaced by its fullwidth form, as some IMEs type it."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


class HasherCalls:
    def __init__(self):
        self.encode = 0
        self.verify = 0


@pytest.fixture
def hasher_calls(monkeypatch):
    """Count calls of the default hasher's encode and verify."""
    calls = HasherCalls()
    original_encode, original_verify = Argon2idHasher.encode, Argon2idHasher.verify

    def encode(self, password, salt):
        calls.encode += 1
        return original_encode(self, password, salt)

    def verify(self, password, encoded):
        calls.verify += 1
        return original_verify(self, password, encoded)

    monkeypatch.setattr(Argon2idHasher, "encode", encode)
    monkeypatch.setattr(Argon2idHasher, "verify", verify)
    return calls


def register(api, password, email="new@example.org"):
    return api.post("/api/v1/auth/register", {"email": email, "password": password})


def assert_rejected(response, code, field="password"):
    assert response.status_code == 400, response.content
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["code"] == code
    assert body["errors"][0]["field"] == field
    return body


# --- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Short-1a!", "at least 12 characters"),
        ("no-upper-case-42!", "an upper-case letter"),
        ("NO-LOWER-CASE-42!", "a lower-case letter"),
        ("No-Digits-Here-At-All!", "a digit"),
        ("NoSpecialCharacters42", "a special character"),
    ],
)
def test_weak_password_names_what_is_missing(api, mailbox, password, missing):
    response = register(api, password)

    body = assert_rejected(response, "password_too_weak")
    assert missing in body["detail"]
    assert body["detail"].startswith("The password needs ")
    assert User.objects.count() == 0
    assert mailbox == []


def test_weak_password_lists_every_problem(api):
    body = assert_rejected(register(api, "short"), "password_too_weak")

    for missing in ("at least 12 characters", "an upper-case letter", "a digit", "a special character"):
        assert missing in body["detail"]


def test_common_password_is_rejected(api, mailbox):
    # Django's common-passwords list has it in lower case; it meets the complexity rules.
    body = assert_rejected(register(api, "Pe#5gz29ptzmse"), "password_too_common")

    assert "Choose a less predictable one" in body["detail"]
    assert User.objects.count() == 0
    assert mailbox == []


@pytest.mark.parametrize("password", ["Password123!", "P@ssw0rd2024!", "Welcome@12345"])
def test_breached_password_is_rejected(api, mailbox, password):
    body = assert_rejected(register(api, password), "password_breached")

    assert "choose another one" in body["detail"]
    assert User.objects.count() == 0
    assert mailbox == []


def test_password_like_the_email_is_rejected(api):
    body = assert_rejected(register(api, "New@example.org-1", email="new@example.org"), "password_too_similar")

    assert "does not contain your email address" in body["detail"]
    assert User.objects.count() == 0


def test_strong_password_is_accepted(api):
    assert register(api, STRONG_PASSWORD).status_code == 202
    assert User.objects.count() == 1


def test_password_of_max_length_is_accepted(api):
    password = "Aa1!-" + "x" * (settings.PASSWORD_MAX_LENGTH - 5)

    assert register(api, password).status_code == 202


@pytest.mark.parametrize("length", [settings.PASSWORD_MAX_LENGTH + 1, len(MEGABYTE)])
def test_overlong_password_rejected_before_hashing(api, hasher_calls, length):
    response = register(api, ("Aa1!" * (length // 4 + 1))[:length])

    body = assert_rejected(response, "validation_failed")
    assert body["errors"][0]["code"] == "max_length"
    assert "1024" in body["errors"][0]["message"]
    assert hasher_calls.encode == 0
    assert User.objects.count() == 0


def test_overlong_login_password_rejected_before_hashing(api, user, hasher_calls):
    response = api.post("/api/v1/auth/login", {"email": user.email, "password": MEGABYTE})

    body = assert_rejected(response, "validation_failed")
    assert body["errors"][0]["code"] == "max_length"
    assert hasher_calls.verify == 0
    assert Session.objects.count() == 0


def test_overlong_new_password_names_its_field(api, user, login, hasher_calls):
    api.bearer(login(user.email)["access_token"])
    before = User.objects.get(pk=user.pk).password

    response = api.post("/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD, "new_password": MEGABYTE})

    assert_rejected(response, "validation_failed", field="new_password")
    assert User.objects.get(pk=user.pk).password == before


def test_password_too_long_after_nfkc_is_rejected(api):
    # U+FDFA is one character that NFKC turns into 18, so 60 of them fit the input limit but not
    # the limit on the normalised form.
    body = assert_rejected(register(api, "Aa1!" + "\ufdfa" * 60), "password_too_long")

    assert f"at most {settings.PASSWORD_MAX_LENGTH} characters" in body["detail"]
    assert User.objects.count() == 0


def test_policy_checks_the_nfkc_form(api):
    # The fullwidth form of a breached password normalises to it.
    assert_rejected(register(api, fullwidth("Password123!")), "password_breached")


# --- hashing ----------------------------------------------------------------------------------


def test_default_hash_is_argon2id_with_owasp_parameters(make_user):
    user = make_user()

    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(STRONG_PASSWORD)


def run_django(code, **env):
    """Run `code` in a fresh interpreter with Django set up, so settings are read from `env`."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plinto.settings",
        "PLINTO_VAR_DIR": os.environ["PLINTO_VAR_DIR"],
        **env,
    }
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bcrypt_setting_selects_bcrypt_sha256_cost_12():
    result = run_django(
        """
        from django.contrib.auth.hashers import check_password, make_password

        encoded = make_password("Correct-Horse-42-battery")
        print(encoded)
        print(check_password("Correct-Horse-42-battery", encoded))
        upgraded = []
        old = make_password("Correct-Horse-42-battery", hasher="argon2")
        check_password("Correct-Horse-42-battery", old, setter=upgraded.append)
        print(len(upgraded))
        """,
        PASSWORD_HASHER="bcrypt",
    )

    assert result.returncode == 0, result.stderr
    encoded, verified, upgrades = result.stdout.split()
    assert encoded.startswith("bcrypt_sha256$$2b$12$")
    assert verified == "True"
    assert upgrades == "1"  # An Argon2id hash still verifies and is rehashed with bcrypt.


def test_unknown_hasher_setting_stops_startup():
    result = run_django("print('started')", PASSWORD_HASHER="bycrypt")

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "PASSWORD_HASHER='bycrypt' is not supported; set it to argon2 or bcrypt." in result.stderr


def pbkdf2_user(make_user, password=STRONG_PASSWORD):
    """Return a user whose stored hash is PBKDF2 with few iterations, as an old import might have."""
    user = make_user()
    legacy = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    User.objects.filter(pk=user.pk).update(password=legacy)
    return user, legacy


def test_pbkdf2_hash_upgraded_at_login(api, make_user, login):
    user, legacy = pbkdf2_user(make_user)

    login(user.email)

    stored = User.objects.get(pk=user.pk).password
    assert stored != legacy
    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(STRONG_PASSWORD, stored)


def test_pbkdf2_hash_kept_after_failed_login(api, make_user):
    user, legacy = pbkdf2_user(make_user)

    response = api.post("/api/v1/auth/login", {"email": user.email, "password": "Wrong-Password-42!"})

    assert response.status_code == 401
    assert User.objects.get(pk=user.pk).password == legacy


# --- NFKC at login ----------------------------------------------------------------------------


def test_fullwidth_password_matches_at_login(api, user, login):
    tokens = login(user.email, password=fullwidth(STRONG_PASSWORD))

    assert tokens["token_type"] == "Bearer"


def test_password_set_in_fullwidth_matches_ascii_at_login(api, make_user, login):
    user = make_user(password=fullwidth(STRONG_PASSWORD))

    login(user.email, password=STRONG_PASSWORD)


def test_nfkc_does_not_fold_case(api, user):
    response = api.post("/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD.upper()})

    assert response.status_code == 401


def test_login_email_is_matched_in_any_case_and_width(api, user, login):
    login("MIKE@example.org")
    login(fullwidth("mike") + "@example.org")


# --- no account enumeration at login ----------------------------------------------------------


def test_login_failures_look_the_same(api, make_user, hasher_calls):
    make_user(email="mike@example.org")
    make_user(email="gone@example.org", is_active=False)
    attempts = [
        ("nobody@example.org", STRONG_PASSWORD),  # unknown address
        ("mike@example.org", "Wrong-Password-42!"),  # known address, wrong password
        ("mike@example.org", ""),  # known address, empty password
        ("gone@example.org", STRONG_PASSWORD),  # deactivated account, right password
    ]

    responses = []
    for email, password in attempts:
        hasher_calls.verify = 0
        responses.append(api.post("/api/v1/auth/login", {"email": email, "password": password}))
        # Every path spends one hash, so response times do not separate them.
        assert hasher_calls.verify == 1, email

    first = responses[0]
    assert first.status_code == 401
    assert first.json()["code"] == "invalid_credentials"
    for response in responses[1:]:
        assert response.status_code == first.status_code
        assert response.json() == first.json()
        assert response["Content-Type"] == first["Content-Type"]
    assert Session.objects.count() == 0
