"""``python -m actions.agents``: commands, password entry, output and exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from actions.agents.accounts import authenticate, get_account
from actions.agents.cli import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, main
from actions.settings import REPO_ROOT
from actions.store import migrate
from actions.store.clock import utcnow
from actions.store.db import engine_for, session_scope

UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/shopbot"
PASSWORD = "correct horse battery"


def _answers(*replies: str) -> Callable[[str], str]:
    """What a person types at the (hidden) password prompts, in order."""
    pending: Iterator[str] = iter(replies)

    def prompt(_: str) -> str:
        return next(pending)

    return prompt


def _no_prompt(question: str) -> str:
    raise AssertionError(f"unexpected prompt {question!r}")


def _run(
    url: str, *argv: str, stdin: str = "", prompt: Callable[[str], str] = _no_prompt
) -> int:
    return main(["--database-url", url, *argv], stdin=io.StringIO(stdin), prompt=prompt)


def _signs_in(url: str, username: str, password: str) -> bool:
    with session_scope(engine_for(url)) as session:
        account = authenticate(
            session=session, username=username, password=password, now=utcnow()
        )
    return account is not None


def test_add_list_disable_enable_passwd(
    agents_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("add", "alex", "--name", "Alex M.", "--password-stdin")
    assert _run(agents_url, *add, stdin=PASSWORD + "\n") == EXIT_OK
    assert "Created agent account 'alex' (Alex M.)" in capsys.readouterr().out
    assert _signs_in(agents_url, "alex", PASSWORD)

    assert _run(agents_url, "list") == EXIT_OK
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["USERNAME", "DISPLAY", "NAME", "ACTIVE", "CREATED",
                              "LAST", "SIGN-IN"]  # fmt: skip
    assert row.startswith("alex") and "Alex M." in row and " yes " in row

    assert _run(agents_url, "disable", "ALEX") == EXIT_OK
    assert "'alex' is disabled" in capsys.readouterr().out
    assert not _signs_in(agents_url, "alex", PASSWORD)
    assert _run(agents_url, "list") == EXIT_OK
    assert " no " in capsys.readouterr().out.splitlines()[1]
    assert _run(agents_url, "enable", "alex") == EXIT_OK
    assert _signs_in(agents_url, "alex", PASSWORD)

    prompt = _answers("brand new pass", "brand new pass")
    assert _run(agents_url, "passwd", "alex", prompt=prompt) == EXIT_OK
    assert "Changed the password" in capsys.readouterr().out
    assert _signs_in(agents_url, "alex", "brand new pass")
    assert not _signs_in(agents_url, "alex", PASSWORD)


def test_add_prompts_twice(agents_url: str) -> None:
    prompt = _answers(PASSWORD, PASSWORD)
    assert _run(agents_url, "add", "kim", "--name", "Kim", prompt=prompt) == EXIT_OK
    assert _signs_in(agents_url, "kim", PASSWORD)


def test_a_store_never_migrated_is_migrated_first(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    assert _run(url, "list") == EXIT_OK
    assert "No agent accounts" in capsys.readouterr().out
    assert migrate.current(url) is not None
    engine_for(url).dispose()


@pytest.mark.parametrize(
    ("argv", "stdin", "replies", "message"),
    [
        (("add", "alex", "--name", "A"), "", ("pass-one-1", "pass-two-2"),
         "The two passwords differ"),
        (("add", "alex", "--name", "A", "--password-stdin"), "", (),
         "standard input is empty"),
        (("add", "alex", "--name", "A", "--password-stdin"), "short\n", (),
         "5 characters; use 8 to 256"),
        (("add", "al ex", "--name", "A", "--password-stdin"), PASSWORD, (),
         "'al ex' holds characters other than"),
        (("add", "alex", "--name", " ", "--password-stdin"), PASSWORD, (),
         "display name is empty"),
        (("disable", "ghost"), "", (), "No agent account is called 'ghost'"),
        (("enable", "ghost"), "", (), "No agent account is called 'ghost'"),
        (("passwd", "ghost", "--password-stdin"), PASSWORD, (),
         "No agent account is called 'ghost'"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(
    agents_url: str,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    stdin: str,
    replies: tuple[str, ...],
    message: str,
) -> None:
    code = _run(agents_url, *argv, stdin=stdin, prompt=_answers(*replies))
    assert code == EXIT_USAGE
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert PASSWORD not in captured.err


def test_a_duplicate_exits_2(
    agents_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("add", "alex", "--name", "A", "--password-stdin")
    assert _run(agents_url, *add, stdin=PASSWORD) == EXIT_OK
    assert _run(agents_url, *add, stdin=PASSWORD) == EXIT_USAGE
    assert "'alex' exists already" in capsys.readouterr().err


def test_an_interrupted_prompt_exits_2(
    agents_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_: str) -> str:
        raise EOFError

    code = _run(agents_url, "add", "alex", "--name", "A", prompt=interrupted)
    assert code == EXIT_USAGE
    assert "no password was entered" in capsys.readouterr().err


def test_demo_creates_or_resets_the_demo_account(
    agents_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(agents_url, "demo") == EXIT_OK
    assert "password 'shopbot-demo'" in capsys.readouterr().out
    assert _signs_in(agents_url, "demo", "shopbot-demo")
    prompt = _answers("changed-it", "changed-it")
    assert _run(agents_url, "passwd", "demo", prompt=prompt) == EXIT_OK
    assert _run(agents_url, "disable", "demo") == EXIT_OK
    assert _run(agents_url, "demo") == EXIT_OK
    assert _signs_in(agents_url, "demo", "shopbot-demo")
    with session_scope(engine_for(agents_url)) as session:
        account = get_account(session=session, username="demo")
    assert account is not None and account.display_name == "Alex (demo)"


def test_demo_is_refused_in_production(
    agents_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from actions.settings import get_settings

    monkeypatch.setenv("SHOPBOT_ENV", "production")
    monkeypatch.setenv("SHOPBOT_TOKEN_SECRET", "p" * 40)
    get_settings.cache_clear()
    assert _run(agents_url, "demo") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "refusing to create the demo agent account" in err
    assert "SHOPBOT_ENV=production" in err
    with session_scope(engine_for(agents_url)) as session:
        assert get_account(session=session, username="demo") is None
    get_settings.cache_clear()


def test_bad_urls_and_unreachable_stores(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run("not a url", "list") == EXIT_USAGE
    assert "'not a url' is not a database URL" in capsys.readouterr().err
    assert _run(UNREACHABLE, "list") == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "127.0.0.1:1" in err


def test_module_entry_point(agents_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "actions.agents", "--database-url", agents_url,
         "add", "lee", "--name", "Lee", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=REPO_ROOT,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Created agent account 'lee'" in result.stdout
    assert _signs_in(agents_url, "lee", PASSWORD)
