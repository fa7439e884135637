"""Email normalisation for uniqueness and look-ups."""

import unicodedata


def email_key(email):
    """Return the form two addresses share when they must count as the same account.

    NFKC folds compatibility characters (fullwidth letters, ligatures) into their plain forms and
    case folding removes case, so `MIKE@example.org` and `ｍｉｋｅ@example.org` both match
    `mike@example.org`. Distinct letters such as the dotless `ı` stay distinct.
    """
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def normalize_password(password):
    """Return the password in NFKC, so one password typed on different systems matches."""
    return unicodedata.normalize("NFKC", password)
