"""Build breached-sha1.txt, the offline corpus that BreachedPasswordValidator searches.

The output has one `SHA1:count` line per password, sorted by the upper-case hex digest, which is
the layout of Have I Been Pwned's "ordered by hash" download. Its sources are Django's bundled
list of about 20,000 common passwords (lower case, without counts) and EXTRA_PASSWORDS below.
Neither source gives breach counts, so every count is 1.

Run it again after upgrading Django, then commit the output:

    .venv/bin/python accounts/data/build_breached_corpus.py

An operator who wants the full HIBP corpus sets BREACHED_PASSWORDS_FILE to the downloaded file
instead; the format is the same.
"""

import hashlib
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "breached-sha1.txt"

# Well-known passwords that pass the complexity rules (12+ characters with upper and lower case,
# a digit and a special character). Django's list is all lower case, and its validator finds none
# of these even in lower case, so offline only this corpus rejects them.
EXTRA_PASSWORDS = [
    "Password123!",
    "Password1234!",
    "Password@123",
    "Password@1234",
    "Password#123",
    "Passw0rd!234",
    "P@ssw0rd1234",
    "P@ssw0rd123!",
    "P@ssw0rd2023!",
    "P@ssw0rd2024!",
    "P@ssw0rd2025!",
    "Welcome@12345",
    "Welcome@2024",
    "Welcome123!!",
    "Qwerty@12345",
    "Qwerty123456!",
    "Admin@123456",
    "Abcd@12345678",
    "Summer2024!!",
    "Winter2024!!",
    "Changeme123!",
    "Letmein@12345",
    "Iloveyou@123",
]


def django_common_passwords():
    """Return the passwords of Django's bundled common-passwords list, read as Django reads it."""
    from django.contrib.auth.password_validation import CommonPasswordValidator

    return sorted(password for password in CommonPasswordValidator().passwords if password)


def corpus_lines(passwords):
    """Return the sorted, de-duplicated `SHA1:count` lines for `passwords`."""
    # SHA-1 is the format of the corpus, not a security choice here.
    digests = {hashlib.sha1(p.encode("utf-8"), usedforsecurity=False).hexdigest().upper() for p in passwords}
    return [f"{digest}:1" for digest in sorted(digests)]


def build(output=OUTPUT):
    """Write the corpus to `output` and return the number of lines written."""
    lines = corpus_lines(django_common_passwords() + EXTRA_PASSWORDS)
    Path(output).write_text("\n".join(lines) + "\n", encoding="ascii", newline="\n")
    return len(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    count = build(target)
    print(f"wrote {count} hashes to {target}")
