"""The widget and console files: self-contained, valid, and keeping their test hooks.

What they do in a browser is tested end to end in tests/e2e/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "bot" / "web" / "static"
SCRIPTS = ("widget.js", "console.js")
# The only absolute URL the scripts may contain: the SVG namespace (not fetched).
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}

WIDGET_HOOKS = (
    "shopbot-launcher",
    "shopbot-panel",
    "shopbot-input",
    "shopbot-send",
    "shopbot-message",
    "shopbot-quick-reply",
    "shopbot-typing",
    "shopbot-status",
    "shopbot-end",
    "shopbot-rate-",
    "shopbot-rating-submit",
    "shopbot-rating-thanks",
)
CONSOLE_HOOKS = (
    "agent-username",
    "agent-password",
    "agent-login",
    "agent-login-error",
    "agent-signout",
    "queue-item",
    "open-handoff",
    "claim",
    "release",
    "resolve",
    "grant-offer",
    "packet",
    "agent-message",
    "agent-input",
    "agent-send",
    "agent-error",
)


def _without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(r"^\s*//.*$", "", source, flags=re.MULTILINE)


def test_console_page_loads_its_assets_by_absolute_channel_paths() -> None:
    page = (STATIC / "console.html").read_text(encoding="utf-8")
    # The page is served at /webhooks/shopbot/agent, so relative paths would miss.
    assert 'href="/webhooks/shopbot/static/console.css"' in page
    assert 'src="/webhooks/shopbot/static/console.js"' in page
    assert not re.search(r"https?://", page)


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_reach_no_other_site(name: str) -> None:
    code = _without_comments((STATIC / name).read_text(encoding="utf-8"))
    assert set(re.findall(r"https?://[^\s\"'`)]+", code)) <= ALLOWED_URLS


@pytest.mark.parametrize("name", ["widget.css", "console.css"])
def test_stylesheets_load_nothing(name: str) -> None:
    css = (STATIC / name).read_text(encoding="utf-8")
    assert "@import" not in css
    assert "url(" not in css


@pytest.mark.parametrize(
    ("files", "hooks"),
    [(("widget.js",), WIDGET_HOOKS), (("console.js", "console.html"), CONSOLE_HOOKS)],
)
def test_test_hooks_are_present(files: tuple[str, ...], hooks: tuple[str, ...]) -> None:
    text = "".join((STATIC / name).read_text(encoding="utf-8") for name in files)
    missing = [hook for hook in hooks if not re.search(f"[\"'`=]{hook}", text)]
    assert not missing


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_parse(name: str) -> None:
    result = subprocess.run(
        ["node", "--check", str(STATIC / name)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
