"""``python -m actions.store``: commands, output and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from actions.settings import REPO_ROOT
from actions.store.cli import EXIT_OK, EXIT_STATE, EXIT_USAGE, main

UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/shopbot"


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_seed_demo_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _url(tmp_path)
    args = ["seed", "--database-url", url, "--count", "8", "--as-of", "2025-06-01"]
    assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    assert "Seeded 8 customers" in out and "as of 2025-06-01" in out
    assert main(args) == EXIT_OK
    assert "nothing seeded" in capsys.readouterr().out
    assert main(["--database-url", url, "demo"]) == EXIT_OK
    demo = capsys.readouterr().out
    for role in ("high_risk", "loyal", "multi_open", "no_consent"):
        assert role in demo
    assert main(["info", "--database-url", url]) == EXIT_OK
    info = capsys.readouterr().out
    assert "revision 0002" in info and "customers              8" in info
    assert main([*args, "--reset", "--count", "6"]) == EXIT_OK
    assert "Seeded 6 customers" in capsys.readouterr().out


def test_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database-url", _url(tmp_path)]) == EXIT_OK
    assert "is at revision 0002" in capsys.readouterr().out


def test_demo_and_info_before_migrating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(tmp_path)
    assert main(["demo", "--database-url", url]) == EXIT_STATE
    assert "not migrated" in capsys.readouterr().err
    assert main(["info", "--database-url", url]) == EXIT_STATE
    assert main(["migrate", "--database-url", url]) == EXIT_OK
    capsys.readouterr()
    assert main(["demo", "--database-url", url]) == EXIT_STATE
    assert "no demo customers" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["seed", "--as-of", "2025-13-01"],
        ["seed", "--count", "0"],
        ["seed", "--count", "many"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*args, "--database-url", _url(tmp_path)] if args else args)
    assert caught.value.code == EXIT_USAGE
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "--database-url", "not a url"], "is not a database URL"),
        (["seed", "--database-url", UNREACHABLE], "Cannot migrate"),
        (["info", "--database-url", UNREACHABLE], "127.0.0.1"),
        (["seed", "--data", "/nonexistent/churn.csv"], "does not exist"),
    ],
)
def test_unusable_database_or_data_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    if "--database-url" not in args:
        args = [*args, "--database-url", _url(tmp_path)]
    assert main(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "actions.store", "info", "--database-url", UNREACHABLE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith("error: ")
