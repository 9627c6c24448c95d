"""Wait until HTTP health endpoints answer, failing early if a watched process dies."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import urllib.error
import urllib.request

logger = logging.getLogger(__name__)


def is_up(url: str, timeout: float = 2.0) -> bool:
    """Return True when ``url`` answers with HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def pid_alive(pid: int) -> bool:
    """Return True when a process with ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_ready(urls: list[str], pids: list[int], timeout: float) -> bool:
    """Poll ``urls`` until all answer; False on timeout or when a process in ``pids``
    exits.
    """
    deadline = time.monotonic() + timeout
    pending = list(urls)
    started = time.monotonic()
    while pending:
        pending = [url for url in pending if not is_up(url)]
        if not pending:
            break
        dead = [pid for pid in pids if not pid_alive(pid)]
        if dead:
            logger.error("process %s exited before %s answered", dead, pending)
            return False
        if time.monotonic() > deadline:
            logger.error("timed out after %.0fs waiting for %s", timeout, pending)
            return False
        sys.stderr.write(
            f"\r... waiting for {', '.join(pending)} "
            f"({time.monotonic() - started:.0f}s)\033[K"
        )
        sys.stderr.flush()
        time.sleep(1.0)
    sys.stderr.write("\n")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", action="append", required=True, help="health URL (repeatable)"
    )
    parser.add_argument(
        "--pids", nargs="*", type=int, default=[], help="processes to watch"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    return 0 if wait_ready(args.url, args.pids, args.timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
