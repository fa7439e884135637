"""The breached-password check: the sorted corpus file, the range API and the bundled corpus."""

import hashlib
import http.server
import importlib.util
import io
import socket
import threading
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from accounts.passwords import breach
from plinto.testing.fixtures import STRONG_PASSWORD

CORPUS_DIR = Path(settings.BASE_DIR) / "accounts" / "data"


def sha1(text):
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest().upper()


def write_corpus(path, digests, newline="\n", counts=None):
    """Write `digests` sorted, as HIBP does, and return the sorted list."""
    ordered = sorted(digests)
    counts = counts or {}
    path.write_bytes("".join(f"{d}:{counts.get(d, 7)}{newline}" for d in ordered).encode("ascii"))
    return ordered


@pytest.fixture
def corpus(tmp_path):
    digests = write_corpus(tmp_path / "corpus.txt", {sha1(f"password-{i}") for i in range(500)})
    return tmp_path / "corpus.txt", digests


# --- binary search over the file --------------------------------------------------------------


def test_search_finds_first_line(corpus):
    path, digests = corpus
    assert breach.count_in_file(path, digests[0]) == 7


def test_search_finds_last_line(corpus):
    path, digests = corpus
    assert breach.count_in_file(path, digests[-1]) == 7


def test_search_finds_every_line(corpus):
    path, digests = corpus
    assert all(breach.count_in_file(path, digest) == 7 for digest in digests)


def test_search_finds_middle_line(corpus):
    path, digests = corpus
    assert breach.count_in_file(path, digests[len(digests) // 2]) == 7


def test_search_reads_the_count(tmp_path):
    digest = sha1("counted")
    write_corpus(tmp_path / "c.txt", [digest], counts={digest: 123456})
    assert breach.count_in_file(tmp_path / "c.txt", digest) == 123456


def test_search_misses_before_first_and_after_last(corpus):
    path, digests = corpus
    assert breach.count_in_file(path, "0" * 40) == 0
    assert breach.count_in_file(path, "F" * 40) == 0
    assert digests[0] > "0" * 40
    assert digests[-1] < "F" * 40


def test_search_misses_between_lines(corpus):
    path, digests = corpus
    between = digests[10][:-1] + ("0" if digests[10][-1] != "0" else "1")
    assert between not in digests
    assert breach.count_in_file(path, between) == 0


def test_search_accepts_crlf_lines(tmp_path):
    digests = write_corpus(tmp_path / "crlf.txt", {sha1(f"crlf-{i}") for i in range(50)}, newline="\r\n")
    assert all(breach.count_in_file(tmp_path / "crlf.txt", d) == 7 for d in digests)
    assert breach.count_in_file(tmp_path / "crlf.txt", "0" * 40) == 0


def test_search_in_one_line_file(tmp_path):
    digest = sha1("only")
    write_corpus(tmp_path / "one.txt", [digest])
    assert breach.count_in_file(tmp_path / "one.txt", digest) == 7
    assert breach.count_in_file(tmp_path / "one.txt", "0" * 40) == 0
    assert breach.count_in_file(tmp_path / "one.txt", "F" * 40) == 0


def test_search_in_file_without_final_newline(tmp_path):
    digests = sorted([sha1("a"), sha1("b")])
    (tmp_path / "c.txt").write_text(f"{digests[0]}:3\n{digests[1]}:4")
    assert breach.count_in_file(tmp_path / "c.txt", digests[1]) == 4


def test_search_in_empty_and_missing_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert breach.count_in_file(tmp_path / "empty.txt", sha1("x")) == 0
    assert breach.count_in_file(tmp_path / "missing.txt", sha1("x")) == 0


class CountingFileIO(io.FileIO):
    """A raw file that adds up the bytes the operating system returned to it."""

    bytes_read = 0

    def readinto(self, buffer):
        count = super().readinto(buffer)
        CountingFileIO.bytes_read += count or 0
        return count


def test_search_reads_little_of_a_large_file(tmp_path, monkeypatch):
    # Given a corpus of 200,000 lines (about 8.6 MB)
    digests = write_corpus(tmp_path / "big.txt", {f"{i:040X}" for i in range(0, 200_000 * 7919, 7919)})
    size = (tmp_path / "big.txt").stat().st_size
    CountingFileIO.bytes_read = 0
    monkeypatch.setattr(breach, "open", lambda path, mode: io.BufferedReader(CountingFileIO(path)), raising=False)

    # When three look-ups run
    found = [breach.count_in_file(tmp_path / "big.txt", digest) for digest in (digests[0], digests[123_457], "F" * 40)]

    # Then each reads a few dozen buffers (about 130 KB measured), so all three together read
    # less than a tenth of one copy of the file
    assert found == [7, 7, 0]
    assert CountingFileIO.bytes_read > 0
    assert CountingFileIO.bytes_read < size / 10, f"{CountingFileIO.bytes_read} of {size} bytes read"


# --- the bundled corpus -----------------------------------------------------------------------


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_breached_corpus", CORPUS_DIR / "build_breached_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundled_corpus_is_what_the_script_builds(tmp_path):
    script = load_build_script()
    script.build(tmp_path / "rebuilt.txt")
    assert (tmp_path / "rebuilt.txt").read_bytes() == (CORPUS_DIR / "breached-sha1.txt").read_bytes()


def test_bundled_corpus_format():
    data = (CORPUS_DIR / "breached-sha1.txt").read_bytes()
    lines = data.decode("ascii").splitlines()
    assert len(data) < 2 * 1024 * 1024
    assert len(lines) > 19_000
    assert lines == sorted(lines)
    assert len(set(lines)) == len(lines)
    for line in lines:
        digest, count = line.split(":")
        assert len(digest) == 40
        assert digest == digest.upper()
        assert int(digest, 16) >= 0
        assert count == "1"


@pytest.mark.parametrize("password", ["password", "123456", "qwerty", "Password123!", "P@ssw0rd2024!", "Welcome@12345"])
def test_bundled_corpus_contains(password):
    assert breach.count_in_file(settings.BREACHED_PASSWORDS_FILE, sha1(password)) == 1


def test_bundled_corpus_misses_strong_password():
    assert breach.count_in_file(settings.BREACHED_PASSWORDS_FILE, sha1(STRONG_PASSWORD)) == 0


def test_extra_passwords_pass_every_other_check():
    from django.contrib.auth.password_validation import CommonPasswordValidator

    from accounts.passwords.validators import ComplexityValidator

    for password in load_build_script().EXTRA_PASSWORDS:
        ComplexityValidator().validate(password)  # Raises if the complexity rules reject it already.
        CommonPasswordValidator().validate(password)


# --- the range API, against a fake server on loopback -----------------------------------------


class FakeRangeApi:
    """A Have I Been Pwned style range API on 127.0.0.1 that records each request."""

    def __init__(self):
        self.suffixes = {}  # prefix -> list of (suffix, count)
        self.requests = []
        self.delay = None  # an Event the handler waits on, up to 5 s, before it responds
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                api.requests.append({"path": self.path, "headers": dict(self.headers)})
                if api.delay is not None:
                    api.delay.wait(5)
                prefix = self.path.rsplit("/", 1)[-1]
                body = "\r\n".join(f"{s}:{c}" for s, c in api.suffixes.get(prefix, [("0" * 35, 0)]))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                try:
                    self.wfile.write(body.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up after its timeout.

            def log_message(self, format, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/range/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, password, count=42):
        digest = sha1(password)
        self.suffixes.setdefault(digest[:5], []).append((digest[5:], count))
        self.suffixes[digest[:5]].append(("F" * 35, 0))  # a padding entry, as the Add-Padding header requests


@pytest.fixture
def range_api(settings):
    api = FakeRangeApi()
    api.thread.start()
    settings.BREACHED_PASSWORDS_API_URL = api.url
    yield api
    if api.delay is not None:
        api.delay.set()
    api.server.shutdown()
    api.server.server_close()
    api.thread.join(5)


@pytest.fixture
def local_corpus(tmp_path, settings):
    """An offline corpus that holds only `Local-Breached-7!`."""
    write_corpus(tmp_path / "local.txt", [sha1("Local-Breached-7!")])
    settings.BREACHED_PASSWORDS_FILE = str(tmp_path / "local.txt")


def register(api, password, email="new@example.org"):
    return api.post("/api/v1/auth/register", {"email": email, "password": password})


def test_api_hit_rejects_registration(api, range_api, local_corpus, mailbox):
    range_api.add("Only-In-The-Api-9!")

    response = register(api, "Only-In-The-Api-9!")

    assert response.status_code == 400
    assert response.json()["code"] == "password_breached"
    assert response.json()["errors"][0]["field"] == "password"
    assert User.objects.count() == 0
    assert mailbox == []


def test_api_miss_accepts_registration(api, range_api, local_corpus):
    range_api.add("Some-Other-Password-1!")

    response = register(api, STRONG_PASSWORD)

    assert response.status_code == 202
    assert User.objects.filter(email_key="new@example.org").exists()
    assert len(range_api.requests) == 1


def test_api_receives_only_the_prefix(range_api, local_corpus):
    digest = sha1(STRONG_PASSWORD)

    assert breach.breach_count(STRONG_PASSWORD) == 0

    (request,) = range_api.requests
    assert request["path"] == f"/range/{digest[:5]}"
    assert request["headers"]["Add-Padding"] == "true"
    sent = request["path"] + repr(request["headers"])
    assert digest[5:] not in sent
    assert digest[5:].lower() not in sent
    assert STRONG_PASSWORD not in sent


def test_padding_entry_is_not_a_hit(range_api, local_corpus):
    digest = sha1(STRONG_PASSWORD)
    range_api.suffixes[digest[:5]] = [(digest[5:], 0)]

    assert breach.breach_count(STRONG_PASSWORD) == 0


def test_local_hit_does_not_ask_the_api(range_api, local_corpus):
    assert breach.breach_count("Local-Breached-7!") == 7
    assert range_api.requests == []


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_api_down_leaves_the_local_check(api, settings, local_corpus):
    settings.BREACHED_PASSWORDS_API_URL = f"http://127.0.0.1:{free_port()}/range/"

    rejected = register(api, "Local-Breached-7!")
    accepted = register(api, STRONG_PASSWORD)

    assert rejected.status_code == 400
    assert rejected.json()["code"] == "password_breached"
    assert accepted.status_code == 202
    assert User.objects.count() == 1


def test_api_timeout_leaves_the_local_check(api, settings, range_api, local_corpus):
    range_api.add(STRONG_PASSWORD)  # It would be a hit, but the response arrives after the timeout.
    range_api.delay = threading.Event()
    settings.BREACHED_PASSWORDS_API_TIMEOUT = 0.2

    rejected = register(api, "Local-Breached-7!")
    accepted = register(api, STRONG_PASSWORD)

    assert rejected.status_code == 400
    assert rejected.json()["code"] == "password_breached"
    assert accepted.status_code == 202
    assert len(range_api.requests) == 1


def test_api_error_status_leaves_the_local_check(settings, local_corpus):
    class Failing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(503)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.BREACHED_PASSWORDS_API_URL = f"http://127.0.0.1:{server.server_address[1]}/range/"
        assert breach.breach_count(STRONG_PASSWORD) == 0
        assert breach.breach_count("Local-Breached-7!") == 7
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
