"""I/O for the benchmark: a seeded store, the real action server as a subprocess.

:func:`seed_store` runs ``python -m actions.store seed``; :func:`load_shopper_pool`
reads the seeded customers and orders; :func:`action_server` starts
``python -m rasa_sdk --actions actions`` on a free local port with the store,
handoff spool and retrieval index given in its environment, waits for
``/health`` and stops it afterwards.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from actions.bench.scenario import ShopperPool
from actions.errors import ActionsError
from actions.settings import REPO_ROOT
from actions.store.db import engine_for, redact
from actions.store.schema import OPEN_STATUSES, Customer, Order

logger = logging.getLogger(__name__)

ENV_DATABASE_URL = "SHOPBOT_DATABASE_URL"
ENV_HANDOFF_SPOOL = "SHOPBOT_HANDOFF_SPOOL"
ENV_RETRIEVAL_INDEX = "SHOPBOT_RETRIEVAL_INDEX"
DEFAULT_RETRIEVAL_INDEX = REPO_ROOT / "models" / "retrieval"
# Most customers and orders read into the shopper pool (a big store stays cheap).
POOL_LIMIT = 500
STARTUP_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0
SEED_TIMEOUT_S = 600.0


class BenchSetupError(ActionsError, RuntimeError):
    """The store could not be seeded or the action server did not start."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def retrieval_index_from_env(
    env: Mapping[str, str], default: Path = DEFAULT_RETRIEVAL_INDEX
) -> Path | None:
    """The past-case index the action server would use, if it exists.

    Args:
        env: the environment (``$SHOPBOT_RETRIEVAL_INDEX``).
        default: the folder used when the variable is unset, as
            ``actions.faq.index_dir`` does from the repository root.

    Returns:
        The variable's folder, or ``default`` when the variable is unset, if
        that folder exists; None otherwise.
    """
    given = env.get(ENV_RETRIEVAL_INDEX, "").strip()
    folder = Path(given) if given else default
    return folder if folder.is_dir() else None


def server_env(
    base: Mapping[str, str],
    *,
    database_url: str,
    spool: Path,
    retrieval_index: Path | None,
) -> dict[str, str]:
    """The action server's environment (pure).

    Args:
        base: the environment to start from (usually ``os.environ``).
        database_url: the profile store.
        spool: the handoff spool file.
        retrieval_index: the past-case index; None points the variable at a
            folder that does not exist (next to the spool), so retrieval
            candidates and answers are simply unavailable (unset, the server
            would fall back to the repository's ``models/retrieval``).

    Returns:
        The environment, listening on 127.0.0.1 only, offline for models.
    """
    env = dict(base)
    env[ENV_DATABASE_URL] = database_url
    env[ENV_HANDOFF_SPOOL] = str(spool)
    missing = spool.parent / "no-retrieval-index"
    env[ENV_RETRIEVAL_INDEX] = str(retrieval_index or missing)
    env["SANIC_HOST"] = "127.0.0.1"
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def seed_store(database_url: str, count: int) -> None:
    """Migrate and seed ``count`` customers with ``python -m actions.store seed``.

    Raises:
        BenchSetupError: the seed command failed (its error output is quoted).
    """
    command = [
        sys.executable,
        "-m",
        "actions.store",
        "seed",
        "--database-url",
        database_url,
        "--count",
        str(count),
    ]
    try:
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=SEED_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchSetupError(
            f"Seeding {redact(database_url)} took over {SEED_TIMEOUT_S:.0f} s."
        ) from error
    if result.returncode != 0:
        raise BenchSetupError(
            f"Seeding {redact(database_url)} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-800:]}"
        )


def load_shopper_pool(database_url: str, limit: int = POOL_LIMIT) -> ShopperPool:
    """Read signed-in customers and anonymous (order, e-mail) pairs from a store.

    Args:
        database_url: the seeded store.
        limit: the most customers and orders to read.

    Returns:
        The pool; each customer comes with an open order of theirs (the newest)
        or else their newest order.

    Raises:
        BenchSetupError: the store cannot be read (unreachable, not migrated).
        ValueError: the store has no customers or orders (not seeded).
    """
    engine = engine_for(database_url)
    try:
        with engine.connect() as connection:
            customer_rows = connection.execute(
                select(Customer.id).order_by(Customer.id).limit(limit)
            ).all()
            ids = [row.id for row in customer_rows]
            order_rows = connection.execute(
                select(Order.customer_id, Order.number, Order.status, Customer.email)
                .join(Customer, Customer.id == Order.customer_id)
                .where(Order.customer_id.in_(ids))
                .order_by(Order.placed_at.desc(), Order.id.desc())
            ).all()
    except SQLAlchemyError as error:
        raise BenchSetupError(
            f"Cannot read customers and orders from {redact(database_url)} "
            f"({type(error).__name__}: {' '.join(str(error).split())[:200]}); "
            "migrate and seed it with `python -m actions.store seed "
            "--database-url URL`."
        ) from error
    finally:
        engine.dispose()
    newest: dict[int, str] = {}
    newest_open: dict[int, str] = {}
    for row in order_rows:
        newest.setdefault(row.customer_id, row.number)
        if row.status in OPEN_STATUSES:
            newest_open.setdefault(row.customer_id, row.number)
    customers = tuple(
        (customer_id, newest_open.get(customer_id) or newest.get(customer_id))
        for customer_id in ids
    )
    anonymous = tuple((row.number, row.email) for row in order_rows[:limit])
    return ShopperPool(customers=customers, anonymous=anonymous)


def churn_model_status() -> tuple[bool, str]:
    """Whether the churn model loads here (same environment as the server).

    Returns:
        (loaded, its version or why it did not load).
    """
    try:
        from actions.churn.model import load_churn_model

        model = load_churn_model()
    except (ImportError, ActionsError, OSError, ValueError) as error:
        return False, f"{type(error).__name__}: {error}"
    return True, str(model.version)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchSetupError(
                f"The action server exited with status {process.returncode} "
                "before answering /health."
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise BenchSetupError(f"The action server did not answer {url} in {timeout:.0f} s.")


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file ("" when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def action_server(
    env: Mapping[str, str],
    log_path: Path,
    startup_timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[str]:
    """Run the real rasa-sdk action server while the block runs.

    Args:
        env: its environment (see :func:`server_env`).
        log_path: where its output goes.
        startup_timeout: how long to wait for ``/health``.

    Yields:
        Its base URL, e.g. ``http://127.0.0.1:40123``.

    Raises:
        BenchSetupError: it did not start (the log's tail is in the message).
    """
    port = free_port()
    command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=REPO_ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_healthy(f"{base_url}/health", process, startup_timeout)
        except BenchSetupError as error:
            raise BenchSetupError(f"{error}\n{log_tail(log_path)}") from error
        logger.info("Action server %d is up at %s.", process.pid, base_url)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def current_load() -> tuple[float, float, float] | None:
    """The 1/5/15-minute load averages, None where the OS has none."""
    try:
        return os.getloadavg()
    except OSError:
        return None


# Slots Rasa adds to every domain; the tracker sent to the server holds them too.
DEFAULT_SLOTS: tuple[str, ...] = ("requested_slot", "session_started_metadata")


def load_domain(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The domain as Rasa sends it to the action server, and every tracker slot.

    Args:
        path: the domain file, e.g. ``domain.yml``.

    Returns:
        (``Domain.as_dict()``, the slot names including Rasa's default slots).

    Raises:
        BenchSetupError: the domain cannot be read.
    """
    import warnings

    from rasa.shared.core.domain import Domain
    from rasa.shared.exceptions import RasaException

    try:
        with warnings.catch_warnings():
            # Rasa warns about slot auto-fill on every load; not ours to fix here.
            warnings.simplefilter("ignore")
            domain = Domain.load(str(path))
    except (RasaException, OSError) as error:
        raise BenchSetupError(f"Cannot read the domain {path}: {error}") from error
    names = [slot.name for slot in domain.slots]
    names += [name for name in DEFAULT_SLOTS if name not in names]
    return domain.as_dict(), names
