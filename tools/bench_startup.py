"""How long the app takes to start: `manage.py check` run several times, the median printed.

Every command (check, migrate, runserver, each gunicorn worker) imports the URL map and with
it every view, so a heavy import on that path is paid on each start. Run with the project's
Python (`make bench-startup`); it starts each run as a fresh process and imports no Django itself.

    python tools/bench_startup.py [RUNS]    (default 7)

Where the time goes: `python -X importtime manage.py check 2> imports.txt`.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    # Our own interpreter on our own manage.py: no outside input reaches the command.
    command = [sys.executable, str(MANAGE), "check"]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - warm caches, .pyc files
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603
        times.append(time.perf_counter() - started)
    print(
        f"manage.py check: median {statistics.median(times):.2f} s over {runs} runs "
        f"(fastest {min(times):.2f} s, slowest {max(times):.2f} s)"
    )


if __name__ == "__main__":
    main()
