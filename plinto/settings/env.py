"""The environment reader shared by the settings modules."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# A .env file is a development convenience; real deployments set the variables themselves.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Files Plinto writes for itself on the embedded default: the SQLite database, the generated
# signing keys and the emails written as files.
VAR_DIR = Path(env.str("PLINTO_VAR_DIR", default=str(BASE_DIR / "var")))
