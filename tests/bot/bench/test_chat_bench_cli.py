"""``python -m bot.bench`` refuses bad arguments with a message naming the value
and the fix, before it starts anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bench.cli import EXIT_SETUP, build_parser, main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "0: use 1 or more"),
        (["--concurrency", "ten"], "'ten' is not a whole number"),
        (["--duration", "-1"], "-1.0: use a positive number of seconds"),
        (["--interval", "0"], "0.0: use a positive number of seconds"),
        (["--interval", "soon"], "'soon' is not a number of seconds"),
        (["--warmup", "-2"], "-2.0: use 0 or more seconds"),
        (["--max-in-flight", "-1"], "-1: use 0 or more"),
        (["--signed-in", "1.5"], "1.5: use a share from 0 to 1"),
        (["--drain-timeout", "nan"], "nan: use a positive number of seconds"),
    ],
)
def test_bad_arguments_are_refused_naming_the_value(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_the_defaults_are_the_issue_s_levels() -> None:
    args = build_parser().parse_args([])
    assert args.concurrency == [10, 50, 200]
    assert (args.duration, args.interval, args.max_in_flight) == (30.0, 1.0, 1)
    assert (
        args.out.name == "chat_benchmark.json" and args.md.name == "chat_benchmark.md"
    )


def _outputs(tmp_path: Path) -> list[str]:
    return ["--out", str(tmp_path / "b.json"), "--md", str(tmp_path / "b.md")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--concurrency", "10", "10"], "repeats a level"),
        (["--model", "{tmp}/missing.tar.gz"], "train it with `make model`"),
        (["--index", "{tmp}/no-index"], "build it with `make index`"),
    ],
)
def test_setup_errors_exit_2_before_anything_starts(
    tmp_path: Path,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [part.replace("{tmp}", str(tmp_path)) for part in extra]
    if "--model" not in argv:
        model = tmp_path / "model.tar.gz"
        model.write_bytes(b"not started")
        argv += ["--model", str(model)]
    assert main([*argv, *_outputs(tmp_path)]) == EXIT_SETUP
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


def test_the_same_file_for_both_reports_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"not started")
    same = str(tmp_path / "report")
    assert main(["--model", str(model), "--out", same, "--md", same]) == EXIT_SETUP
    assert "give two files" in capsys.readouterr().err
