"""``python -m bot.demo_shop``: bad options exit 2 by name; signals stop it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo_shop.cli import EXIT_USAGE, main

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--port", "eighty"], "--port is 'eighty', not a whole number"),
        (["--port", "0"], "--port is 0"),
        (["--chat-url", "localhost:5005"], "--chat-url 'localhost:5005'"),
        (["--token-ttl", "1"], "--token-ttl is 1 seconds"),
    ],
)
def test_bad_options_exit_2_naming_the_value(
    argv: list[str], names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, env={}) == EXIT_USAGE
    assert names in capsys.readouterr().err


def test_bad_environment_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], env={"SHOPBOT_DEMO_PORT": "-1"}) == EXIT_USAGE
    assert "--port is -1" in capsys.readouterr().err


def test_busy_port_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)], env={}) == EXIT_USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.fixture
def running_shop(
    shop_store: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The demo shop in a subprocess on a free port, up and answering."""
    port = _free_port()
    env = {
        **os.environ,
        "SHOPBOT_DATABASE_URL": shop_store,
        "PYTHONPATH": str(REPO_ROOT),
    }
    log = (tmp_path / "shop.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.demo_shop", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                assert json.load(answer) == {"status": "ok"}
                break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(
                    "the demo shop did not start: "
                    + (tmp_path / "shop.log").read_text(errors="replace")
                )
            time.sleep(0.2)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()
    log.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_cleanly(
    running_shop: tuple[subprocess.Popen[bytes], int],
    signum: signal.Signals,
    tmp_path: Path,
) -> None:
    process, port = running_shop
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/customers") as answer:
        assert len(json.load(answer)["customers"]) == 4
    process.send_signal(signum)
    assert process.wait(timeout=STOP_TIMEOUT_SECONDS) == 0
    assert "Demo shop stopped." in (tmp_path / "shop.log").read_text()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
