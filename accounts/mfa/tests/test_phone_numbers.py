"""Parsing typed phone numbers into E.164, including arbitrary untrusted input."""

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.mfa.models import SMSDevice
from accounts.mfa.phone_numbers import InvalidPhoneNumber, parse_phone_number


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("+14155550123", None, "+14155550123"),
        ("+1 (415) 555-0123", None, "+14155550123"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("0151 23456789", "de", "+4915123456789"),
        ("+44 7911 123456", "DE", "+447911123456"),
        ("  +33 6 12 34 56 78 ", None, "+33612345678"),
    ],
)
def test_number_is_normalized_to_e164(value, region, expected):
    assert parse_phone_number(value, region) == expected


@pytest.mark.parametrize(
    ("value", "region", "field"),
    [
        ("", None, "phone_number"),
        ("   ", None, "phone_number"),
        ("0151 23456789", None, "phone_number"),
        ("+1 415 555", None, "phone_number"),
        ("+999 1234567", None, "phone_number"),
        ("hello", "US", "phone_number"),
        ("+14155550123", "USA", "region"),
        ("+14155550123", "ZZ", "region"),
    ],
)
def test_unusable_number_names_the_field(value, region, field):
    with pytest.raises(InvalidPhoneNumber) as raised:
        parse_phone_number(value, region)

    assert raised.value.field == field
    assert raised.value.message


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=40), region=st.one_of(st.none(), st.text(max_size=3), st.sampled_from(["US", "DE"])))
def test_any_input_gives_e164_or_invalid(value, region):
    try:
        result = parse_phone_number(value, region)
    except InvalidPhoneNumber as exc:
        assert exc.field in ("phone_number", "region")
        return

    assert result.startswith("+")
    assert result[1:].isdigit()
    assert len(result) <= 16
    assert phonenumbers.is_valid_number(phonenumbers.parse(result))


_values = st.one_of(st.none(), st.integers(), st.text(max_size=60), st.lists(st.text(max_size=5), max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.fixed_dictionaries({}, optional={"phone_number": _values, "region": _values}))
def test_enroll_rejects_any_payload_cleanly(user, logged_in, sms_outbox, payload):
    SMSDevice.objects.all().delete()

    response = logged_in(user).post("/api/v1/mfa/sms", payload)

    assert response.status_code in (202, 400, 429), response.content
    if response.status_code == 400:
        assert response.json()["errors"][0]["field"] in ("phone_number", "region")
        assert not SMSDevice.objects.exists()
