"""The README's curl session, run with bash against a live server as a reader would paste it."""

import re
import subprocess

import pytest

from .gunicorn_server import REPO_DIR

pytestmark = pytest.mark.slow

README_BASE_URL = "http://127.0.0.1:8000"
SCRIPT_TIMEOUT = 120


def _walkthrough_script():
    """Return the first shell code block under the heading "A first session with curl"."""
    readme = (REPO_DIR / "README.md").read_text()
    heading = re.search(r"^## A first session with curl$", readme, re.MULTILINE)
    assert heading, "README.md has no section 'A first session with curl'"
    block = re.search(r"^```(?:sh|bash)\n(.*?)^```$", readme[heading.end() :], re.MULTILINE | re.DOTALL)
    assert block, "the section 'A first session with curl' has no sh or bash code block"
    return block.group(1)


def test_curl_session_runs(smoke_server, tmp_path):
    # Given a working folder whose var/ is the server's, as in a checkout running scripts/serve.
    script = _walkthrough_script()
    assert README_BASE_URL in script
    (tmp_path / "var").symlink_to(smoke_server.var_dir, target_is_directory=True)

    # When the block runs with bash, stopping at the first failing command or pipeline.
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script.replace(README_BASE_URL, smoke_server.base_url)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
    )

    # Then every step worked and the final logout printed its status code.
    output = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, output
    assert '"email_verified":true' in result.stdout, output
    assert '"email":"ana@example.org"' in result.stdout, output
    assert result.stdout.endswith("204\n"), output
