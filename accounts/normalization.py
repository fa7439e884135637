"""Email normalisation for uniqueness and look-ups."""

import unicodedata


def email_key(email):
    """Return the form two addresses share when they must count as the same account.

    NFKC folds compatibility characters (fullwidth letters, ligatures) into their plain forms and
    case folding removes case, so `MIKE@example.org` and `ｍｉｋｅ@example.org` both match
    `mike@example.org`. Distinct letters such as the dotless `ı` stay distinct.
    """
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def normalize_email(email):
    """Return the address in the form it is stored and mailed to: NFKC, without surrounding spaces.

    NFKC turns fullwidth and other compatibility characters into the plain ones mail servers accept.
    Case is kept because the receiving server may treat the local part as case-sensitive.
    """
    return unicodedata.normalize("NFKC", email).strip()


def normalize_password(password):
    """Return the password in NFKC, so one password typed on different systems matches."""
    return unicodedata.normalize("NFKC", password)
