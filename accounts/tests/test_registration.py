"""Registration, email verification and its resend, including look-alike addresses."""

import pytest

from accounts.models import User
from accounts.normalization import email_key
from accounts.passwords.hashers import Argon2idHasher
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, link_in

ACCEPTED = {"detail": "Check your inbox: a verification link was sent to this address."}


def register(api, email, password=STRONG_PASSWORD, **fields):
    return api.post("/api/v1/auth/register", {"email": email, "password": password, **fields})


def test_register_creates_unverified_account(api, mailbox):
    response = register(api, "ana@example.org", display_name="Ana")

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    user = User.objects.get(email_key="ana@example.org")
    assert user.email_verified is False
    assert user.display_name == "Ana"
    assert [m.to for m in mailbox] == [["ana@example.org"]]
    assert mailbox[0].subject == "Verify your email address"


def test_register_stores_nfkc_address(api, mailbox):
    response = register(api, "ａｎａ@ｅｘａｍｐｌｅ.org")

    assert response.status_code == 202
    assert User.objects.get().email == "ana@example.org"
    assert mailbox[0].to == ["ana@example.org"]


def test_verify_email_marks_address_verified(api, mailbox):
    register(api, "ana@example.org")

    response = api.post("/api/v1/auth/verify-email", {"token": link_in(mailbox[0], "/verify-email")})

    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert User.objects.get().email_verified is True
    assert AuditEvent.objects.filter(action="user.email_verified").count() == 1


def test_verify_email_twice_is_harmless(api, mailbox):
    register(api, "ana@example.org")
    token = link_in(mailbox[0], "/verify-email")
    api.post("/api/v1/auth/verify-email", {"token": token})

    response = api.post("/api/v1/auth/verify-email", {"token": token})

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="user.email_verified").count() == 1


def change_signature(token):
    return token[:-2] + ("AA" if token[-2:] != "AA" else "BB")


@pytest.mark.parametrize(
    "tamper", [change_signature, lambda token: "x" + token, lambda token: ""], ids=["signature", "prefix", "empty"]
)
def test_verify_email_rejects_tampered_token(api, mailbox, tamper):
    register(api, "ana@example.org")
    token = tamper(link_in(mailbox[0], "/verify-email"))

    response = api.post("/api/v1/auth/verify-email", {"token": token})

    assert response.status_code == 400
    assert response.json()["code"] in ("token_invalid", "validation_failed")
    assert response.json()["errors"][0]["field"] == "token"
    assert User.objects.get().email_verified is False


def test_verify_email_rejects_deactivated_account(api, mailbox):
    register(api, "ana@example.org")
    User.objects.update(is_active=False)

    response = api.post("/api/v1/auth/verify-email", {"token": link_in(mailbox[0], "/verify-email")})

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    assert User.objects.get().email_verified is False


# --- look-alike addresses of an existing account ----------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "MIKE@example.org",
        "Mike@Example.ORG",
        "ｍｉｋｅ@example.org",
        "ＭＩＫＥ@ｅｘａｍｐｌｅ.ｏｒｇ",
        " mike@example.org ",
    ],
)
def test_register_variant_of_taken_address_notifies_owner(api, user, mailbox, variant):
    response = register(api, variant, password="Another-Strong-Pass-7")

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert User.objects.count() == 1
    assert User.objects.get().check_password(STRONG_PASSWORD)
    assert [m.to for m in mailbox] == [["mike@example.org"]]
    assert mailbox[0].subject == "Someone tried to sign up with your address"
    assert AuditEvent.objects.filter(action="user.register_existing", target_id=str(user.pk)).count() == 1


def test_register_costs_one_hash_either_way(api, user, monkeypatch):
    calls = []
    original = Argon2idHasher.encode
    monkeypatch.setattr(Argon2idHasher, "encode", lambda self, p, s: calls.append(1) or original(self, p, s))

    register(api, "MIKE@example.org")
    taken = len(calls)
    register(api, "free@example.org")

    assert taken == 1
    assert len(calls) - taken == 1


def test_dotless_i_is_not_folded_into_i():
    assert email_key("mıke@example.org") != email_key("mike@example.org")
    assert email_key("MİKE@example.org") != email_key("mike@example.org")


def test_register_dotless_i_address_creates_separate_account(api, user, mailbox):
    response = register(api, "mıke@example.org")

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    other = User.objects.exclude(pk=user.pk).get()
    assert other.email == "mıke@example.org"
    assert other.email_verified is False
    assert [m.to for m in mailbox] == [["mıke@example.org"]]
    assert mailbox[0].subject == "Verify your email address"
    assert not AuditEvent.objects.filter(action="user.register_existing").exists()


def test_dotless_i_account_is_a_separate_account(make_user, user):
    other = make_user(email="mıke@example.org")

    assert other.pk != user.pk
    assert User.objects.get(email_key=email_key("mıke@example.org")) == other
    assert User.objects.get(email_key=email_key("MIKE@example.org")) == user


# --- addresses that could not be stored or mailed ---------------------------------------------


def test_register_rejects_domain_without_idna_form(api, mailbox):
    response = register(api, "ana@" + "ß" * 40 + ".de")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "email"
    assert "not a valid domain name" in response.json()["errors"][0]["message"]
    assert User.objects.count() == 0
    assert mailbox == []


def test_register_rejects_address_too_long_once_case_folded(api, mailbox):
    # 252 characters, but each ß folds to ss, so the unique key would be 492 characters.
    address = "a@" + ("ß" * 30 + ".") * 8 + "de"
    assert len(address) <= 254

    response = register(api, address)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "email"
    assert response.json()["errors"][0]["code"] == "max_length"
    assert User.objects.count() == 0
    assert mailbox == []


# --- resending the verification link ----------------------------------------------------------


def resend(api, email):
    return api.post("/api/v1/auth/verify-email/resend", {"email": email})


def test_resend_mails_unverified_account(api, make_user, mailbox):
    make_user(email="new@example.org", email_verified=False)

    response = resend(api, "NEW@example.org")

    assert response.status_code == 202
    assert [m.to for m in mailbox] == [["new@example.org"]]
    token = link_in(mailbox[0], "/verify-email")
    assert api.post("/api/v1/auth/verify-email", {"token": token}).status_code == 200


def test_resend_answers_the_same_for_everyone(api, make_user, mailbox):
    make_user(email="new@example.org", email_verified=False)
    make_user(email="done@example.org")

    responses = [resend(api, email) for email in ("new@example.org", "done@example.org", "nobody@example.org")]

    assert {r.status_code for r in responses} == {202}
    assert len({r.content for r in responses}) == 1
    assert [m.to for m in mailbox] == [["new@example.org"]]
