"""Start and stop a whole shopbot on free ports: action server, Rasa server (with
the REST and websocket channels) and, optionally, the demo shop.

Used by the chat tests, the browser tests and ``make bench-chat``; ``make run``
uses scripts/run.sh, which starts the same processes. Each process logs to its
own file in ``log_dir``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.wait_ready import wait_ready

logger = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parent.parent
# The action server (Sanic) keeps idle connections longer than Rasa's HTTP client
# (aiohttp, 15 s): with Sanic's default of 5 s, Rasa sometimes reused a connection
# the action server was closing, and that action's reply was lost ("Cannot write to
# closing transport"; 36-53 of ~350 messages at 200 concurrent shoppers).
KEEP_ALIVE_ENV = "SANIC_KEEP_ALIVE_TIMEOUT"
KEEP_ALIVE_SECONDS = "75"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    """A running shopbot (use as a context manager).

    Attributes:
        model: the trained Rasa model.
        log_dir: where the processes' logs and the run's endpoints file go.
        env: extra environment (e.g. ``SHOPBOT_DATABASE_URL``).
        with_shop: also start the demo shop (``python -m bot.demo_shop``).
        rasa_workers: how many Sanic workers ``rasa run`` uses (its default: 1).
    """

    model: Path
    log_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    with_shop: bool = False
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    shop_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        """The Rasa server's base URL."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def shopper_ws(self) -> str:
        """The widget's websocket URL."""
        return f"ws://127.0.0.1:{self.rasa_port}/webhooks/shopbot/ws"

    @property
    def agent_ws(self) -> str:
        """The console's websocket URL."""
        return f"ws://127.0.0.1:{self.rasa_port}/webhooks/shopbot/agent/ws"

    @property
    def shop_url(self) -> str:
        """The demo shop's base URL."""
        return f"http://127.0.0.1:{self.shop_port}"

    def environment(self) -> dict[str, str]:
        """The processes' environment."""
        env = dict(os.environ)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        env.setdefault("RASA_TELEMETRY_ENABLED", "false")
        env.setdefault("USE_TF", "0")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault(KEEP_ALIVE_ENV, KEEP_ALIVE_SECONDS)
        origins = [
            f"http://127.0.0.1:{self.shop_port}",
            f"http://localhost:{self.shop_port}",
        ]
        env.setdefault("SHOPBOT_CHAT_ORIGINS", ",".join(origins))
        env.update(self.env)
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        self.processes.append(
            subprocess.Popen(
                args,
                cwd=REPO_ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def start(self, timeout: float = 300.0) -> Stack:
        """Start the processes and wait until they answer.

        Raises:
            RuntimeError: a process died or did not answer in time (the
                message names the log to read).
        """
        self.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.log_dir / "endpoints.yml"
        # The same stores as `make run`: conversations in SQLite (scripts/run.sh).
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            "tracker_store:\n  type: SQL\n  dialect: sqlite\n"
            f"  db: {self.log_dir / 'tracker.db'}\n"
        )
        python = sys.executable
        self._spawn(
            "actions",
            [
                python,
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(self.actions_port),
            ],
        )
        rasa = str(Path(python).with_name("rasa"))
        self._spawn(
            "rasa",
            [
                rasa,
                "run",
                "--enable-api",
                "--port",
                str(self.rasa_port),
                "--model",
                str(self.model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(REPO_ROOT / "credentials.yml"),
            ],
        )
        urls = [
            f"{self.rasa_url}/status",
            f"http://127.0.0.1:{self.actions_port}/health",
        ]
        if self.with_shop:
            self._spawn(
                "shop",
                [
                    python,
                    "-m",
                    "bot.demo_shop",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.shop_port),
                    "--chat-url",
                    self.rasa_url,
                ],
            )
            urls.append(f"{self.shop_url}/healthz")
        if not wait_ready(urls, [p.pid for p in self.processes], timeout):
            self.stop()
            raise RuntimeError(
                f"shopbot did not start; read the logs in {self.log_dir}"
            )
        return self

    def stop(self) -> None:
        """Stop every process (SIGINT, then SIGKILL after 20 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
