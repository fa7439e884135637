"""Parsing of phone numbers people type into the E.164 form that SMSDevice stores."""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Premium-rate and shared-cost numbers bill the sender, a common way to run up SMS costs.
_REJECTED_TYPES = {PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST}

INTERNATIONAL_HINT = "Write it in international format with + and the country code, such as +14155550123"


class InvalidPhoneNumber(ValueError):
    """A phone number or region that cannot be used; `field` names the request field at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def normalize_region(region):
    """Return the ISO 3166-1 alpha-2 region in upper case, or raise InvalidPhoneNumber."""
    code = (region or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidPhoneNumber(
            "region", f"{region!r} is not a known region; send an ISO 3166-1 alpha-2 code such as US or DE."
        )
    return code


def parse_phone_number(value, region=None):
    """Return `value` in E.164 form, such as +14155550123, or raise InvalidPhoneNumber.

    `region` lets a national number (0171 1234567 with region DE) be read; a number that starts
    with + needs none.
    """
    text = (value or "").strip()
    if not text:
        raise InvalidPhoneNumber("phone_number", f"The phone number is empty. {INTERNATIONAL_HINT}.")
    region_code = normalize_region(region) if region else None

    try:
        number = phonenumbers.parse(text, region_code)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE and region_code is None:
            message = (
                f"{text!r} has no valid country code. {INTERNATIONAL_HINT}, or send `region` for a national number."
            )
        else:
            message = f"{text!r} is not a phone number. {INTERNATIONAL_HINT}."
        raise InvalidPhoneNumber("phone_number", message) from exc

    if not phonenumbers.is_valid_number(number):
        where = f"region {region_code}" if region_code and not text.startswith("+") else "its country code"
        raise InvalidPhoneNumber(
            "phone_number", f"{text!r} is not a valid phone number for {where}; check the digits. {INTERNATIONAL_HINT}."
        )
    if phonenumbers.number_type(number) in _REJECTED_TYPES:
        raise InvalidPhoneNumber(
            "phone_number", f"{text!r} is a premium-rate or shared-cost number; use a mobile number."
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
