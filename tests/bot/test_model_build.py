"""Tests for bot.model_build: the model is retrained exactly when its inputs change."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from bot import model_build


def _write_archive(path: Path) -> None:
    """Write a minimal archive shaped like a Rasa model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        data = b"{}"
        info = tarfile.TarInfo("components/train_x/metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "config.yml").write_text("recipe: default.v1\n")
    (tmp_path / "domain.yml").write_text("version: '3.1'\n")
    for folder in model_build.DATA_DIRS:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data/nlu/greet.yml").write_text("nlu: []\n")
    return tmp_path


def _fp(root: Path) -> str:
    return model_build.fingerprint(root, model_build.training_inputs(root))


def test_fingerprint_is_stable(project: Path) -> None:
    assert _fp(project) == _fp(project)


@pytest.mark.parametrize(
    "edit",
    [
        lambda root: (root / "data/nlu/greet.yml").write_text("nlu: [x]\n"),
        lambda root: (root / "config.yml").write_text("recipe: other\n"),
        lambda root: (root / "data/rules/new.yml").write_text("rules: []\n"),
        lambda root: (root / "data/nlu/greet.yml").rename(root / "data/nlu/hello.yml"),
    ],
    ids=["data-content", "config", "new-file", "renamed-file"],
)
def test_fingerprint_changes_with_inputs(project: Path, edit) -> None:  # type: ignore[no-untyped-def]
    before = _fp(project)
    edit(project)
    assert _fp(project) != before


def test_files_outside_training_inputs_do_not_count(project: Path) -> None:
    before = _fp(project)
    (project / "data/test").mkdir()
    (project / "data/test/heldout.yml").write_text("nlu: []\n")
    assert _fp(project) == before


def test_up_to_date_needs_model_and_matching_stamp(project: Path) -> None:
    model = project / "models/shopbot.tar.gz"
    expected = _fp(project)
    assert not model_build.is_up_to_date(model, expected)
    _write_archive(model)
    assert not model_build.is_up_to_date(model, expected)
    (project / "models/shopbot.fingerprint").write_text(expected + "\n")
    assert model_build.is_up_to_date(model, expected)
    assert not model_build.is_up_to_date(model, "0" * 64)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"not a tar at all",
        lambda data: b"",
    ],
    ids=["truncated", "garbage", "empty"],
)
def test_corrupt_archive_is_not_up_to_date(project: Path, corrupt) -> None:  # type: ignore[no-untyped-def]
    model = project / "models/shopbot.tar.gz"
    _write_archive(model)
    expected = _fp(project)
    (project / "models/shopbot.fingerprint").write_text(expected)
    assert model_build.is_up_to_date(model, expected)
    model.write_bytes(corrupt(model.read_bytes()))
    assert not model_build.is_up_to_date(model, expected)


def test_main_skips_training_when_up_to_date(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    _write_archive(project / "models/shopbot.tar.gz")
    (project / "models/shopbot.fingerprint").write_text(_fp(project))
    calls: list[object] = []
    monkeypatch.setattr(model_build, "train", lambda *a: calls.append(a))
    assert model_build.main(["--out", "models/shopbot.tar.gz"]) == 0
    assert calls == []


def test_main_reports_missing_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert model_build.main([]) == 2


def test_failed_training_keeps_previous_model_and_stamp(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    (project / "models").mkdir()
    (project / "models/shopbot.tar.gz").write_bytes(b"old archive")
    (project / "models/shopbot.fingerprint").write_text("stale\n")
    monkeypatch.setattr(model_build.sys, "executable", str(project / "bin/python"))
    (project / "bin").mkdir()
    rasa = project / "bin/rasa"
    rasa.write_text("#!/bin/sh\nexit 3\n")
    rasa.chmod(0o755)
    assert model_build.main([]) == 1
    assert (project / "models/shopbot.tar.gz").read_bytes() == b"old archive"
    assert (project / "models/shopbot.fingerprint").read_text() == "stale\n"
