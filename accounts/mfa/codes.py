"""Generation and normalisation of the codes people type."""

import re
import secrets

# Without 0/O, 1/I/L and U, so a code read from paper is typed back correctly.
BACKUP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
BACKUP_CODE_LENGTH = 10

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_code(value):
    """Drop spaces and dashes and upper-case, so `abcd-efgh 12` and `ABCDEFGH12` match."""
    return _SEPARATORS.sub("", value or "").upper()


def new_backup_code():
    return "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))


def format_backup_code(code):
    """Show a code as two groups of five, which is easier to copy by hand."""
    return f"{code[:5]}-{code[5:]}"


def new_numeric_code(digits=6):
    return f"{secrets.randbelow(10**digits):0{digits}d}"
