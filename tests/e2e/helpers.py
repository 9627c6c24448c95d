"""Shared values of the browser tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import AGENTS

__all__ = ["AGENTS", "CHROMIUM", "MODEL", "REPLY_TIMEOUT_MS"]

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = REPO_ROOT / "models" / "shopbot.tar.gz"
CHROMIUM = Path("/usr/bin/chromium")
# Rasa answers take a few seconds on a busy two-core machine.
REPLY_TIMEOUT_MS = 45_000
