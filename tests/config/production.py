"""Running the project's own settings in a separate process, with a chosen environment: what
the app does when deployed, without the test settings' local defaults."""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY_DOC = REPO / "docs" / "deploy.md"


def documented_production_env() -> dict[str, str]:
    """The example production environment in docs/deploy.md (the block after the marker)."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    block = text.split("<!-- production-env -->", 1)[1].split("```", 2)[1]
    pairs = re.findall(r"^(?:export )?([A-Z_]+)=(\S*)$", block, flags=re.MULTILINE)
    return {name: value.strip("'\"") for name, value in pairs}


def run_django(args: list[str], env: dict[str, str], timeout: float = 120):
    """`python manage.py ARGS` (or `-c CODE`) in the checkout with exactly ENV (plus PATH)."""
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    full_env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    command = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "manage.py", *args]
    return subprocess.run(  # noqa: S603 (our own interpreter on our own manage.py)
        command, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout
    )
