"""Load labelled intent examples from Rasa NLU YAML or CSV, and split them.

Rasa entity annotations (``[Berlin](city)``, ``[Berlin]{"entity": "city"}``) are
stripped to their plain text, so the classifier sees what a user types.
"""

from __future__ import annotations

import csv
import logging
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finetune.errors import DataError, DataFileNotFoundError

logger = logging.getLogger(__name__)

YAML_SUFFIXES = (".yml", ".yaml")
CSV_SUFFIXES = (".csv",)
TEXT_COLUMNS = ("text",)
LABEL_COLUMNS = ("label", "intent")

# [entity text](entity_type), [text](type:value), [text]{"entity": ...} or
# [text][{...}, {...}] -> "entity text"; mirrors Rasa's entity regex.
_ENTITY_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])"
)
_WHITESPACE = re.compile(r"\s+")
_NUMBER_WORD = re.compile(r"\S*\d\S*")


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    label: str


def strip_entity_annotations(text: str) -> str:
    """Replace Rasa entity markup by the annotated text.

    Args:
        text: an NLU example such as ``"send it to [Berlin](city)"``.

    Returns:
        The plain utterance, e.g. ``"send it to Berlin"``.
    """
    return _ENTITY_ANNOTATION.sub(lambda match: match.group("text"), text)


def mask_numbers(text: str, mask_token: str) -> str:
    """Replace every word that contains a digit by ``mask_token``.

    Order numbers, amounts and dates name entities, not intents; unseen digit
    strings otherwise tokenize into arbitrary word pieces that sway the model.

    Args:
        text: an utterance, e.g. ``"where is order #12345?"``.
        mask_token: the tokenizer's mask token, e.g. ``"[MASK]"``.

    Returns:
        The utterance with such words replaced, e.g. ``"where is order [MASK]"``.
    """
    return _NUMBER_WORD.sub(mask_token, text)


def load_examples(
    path: Path | str,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
) -> list[Example]:
    """Load labelled examples from a Rasa NLU YAML file or folder, or a CSV file.

    Args:
        path: a ``.yml``/``.yaml`` file, a folder searched recursively for YAML
            files with an ``nlu`` section, or a ``.csv`` file.
        text_column: CSV column with the utterance (default ``text``).
        label_column: CSV column with the intent (default ``label``, else
            ``intent``).

    Returns:
        Examples in file order.

    Raises:
        DataFileNotFoundError: the path does not exist.
        DataError: unknown format, unreadable file, missing columns, empty
            rows or no examples at all.
    """
    source = Path(path)
    if not source.exists():
        raise DataFileNotFoundError(
            f"data path '{source}' does not exist; pass a Rasa NLU YAML file or "
            "folder, or a CSV file with text and label columns."
        )
    if source.is_dir():
        examples = _load_yaml_folder(source)
    elif source.suffix.lower() in YAML_SUFFIXES:
        examples = load_rasa_yaml(source)
    elif source.suffix.lower() in CSV_SUFFIXES:
        examples = load_csv(source, text_column=text_column, label_column=label_column)
    else:
        raise DataError(
            f"unknown data format '{source.suffix}' of '{source}'; use a Rasa NLU "
            f"YAML file ({', '.join(YAML_SUFFIXES)}), a folder of them, or a CSV "
            "file."
        )
    if not examples:
        raise DataError(
            f"'{source}' holds no labelled examples; add intents with examples "
            "(YAML) or rows (CSV)."
        )
    return examples


def load_rasa_yaml(path: Path) -> list[Example]:
    """Read the intent examples of one Rasa NLU YAML file.

    Args:
        path: a Rasa training-data file; stories, rules, synonyms, regexes and
            lookups in it are ignored.

    Returns:
        The examples, with entity markup stripped. Retrieval intents
        (``faq/ask_price``) keep their full name.

    Raises:
        DataError: the YAML is invalid or an ``nlu`` item is malformed.
    """
    document = _read_yaml(path)
    items = document.get("nlu") if isinstance(document, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise DataError(f"'{path}': 'nlu' must be a list of items, got {items!r:.80}.")
    examples: list[Example] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "intent" not in item:
            continue
        intent = item["intent"]
        if not isinstance(intent, str) or not intent.strip():
            raise DataError(
                f"'{path}': nlu item {position} has an empty or non-text intent "
                f"name {intent!r}."
            )
        for text in _yaml_item_texts(path, intent, item.get("examples")):
            examples.append(Example(text=text, label=intent.strip()))
    return examples


def load_csv(
    path: Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
) -> list[Example]:
    """Read examples from a CSV file with a header row.

    Args:
        path: UTF-8 CSV (a byte-order mark is accepted).
        text_column: column holding the utterance (default ``text``).
        label_column: column holding the intent (default ``label``, else
            ``intent``).

    Returns:
        The examples in row order.

    Raises:
        DataError: unreadable file, missing column, or a row with an empty text
            or label (the message gives the line number).
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            text_key = _pick_column(path, columns, text_column, TEXT_COLUMNS, "text")
            label_key = _pick_column(
                path, columns, label_column, LABEL_COLUMNS, "label"
            )
            examples = []
            for row in reader:
                text = _clean(row.get(text_key))
                label = (row.get(label_key) or "").strip()
                if not text or not label:
                    raise DataError(
                        f"'{path}' line {reader.line_num}: empty "
                        f"{'text' if not text else 'label'} in row {row!r:.120}; "
                        "fill it in or delete the row."
                    )
                examples.append(Example(text=text, label=label))
    except UnicodeDecodeError as err:
        raise DataError(
            f"'{path}' is not UTF-8 text ({err}); re-save it as UTF-8."
        ) from err
    except csv.Error as err:
        raise DataError(f"'{path}' is not valid CSV ({err}).") from err
    return examples


def stratified_split(
    examples: Sequence[Example], fraction: float, *, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split examples into (kept, held-out) with each label's share preserved.

    Deterministic for a given seed and input order. Each label with at least two
    examples gives ``max(1, round(n * fraction))`` examples to the held-out part
    (never all of them); labels with a single example stay in the kept part.

    Args:
        examples: the examples to split.
        fraction: share to hold out, in [0, 1).
        seed: seed of the shuffle.

    Returns:
        ``(kept, held_out)``, each in a deterministic shuffled order.

    Raises:
        DataError: ``fraction`` is outside [0, 1).
    """
    if not 0.0 <= fraction < 1.0:
        raise DataError(f"split fraction must be in [0, 1), got {fraction!r}.")
    if fraction == 0.0:
        return list(examples), []
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example)
    rng = random.Random(seed)
    kept: list[Example] = []
    held_out: list[Example] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        n_out = (
            0
            if len(group) < 2
            else min(len(group) - 1, max(1, round(len(group) * fraction)))
        )
        held_out.extend(group[:n_out])
        kept.extend(group[n_out:])
    rng.shuffle(kept)
    rng.shuffle(held_out)
    return kept, held_out


def label_counts(examples: Iterable[Example]) -> dict[str, int]:
    """Count examples per label.

    Args:
        examples: labelled examples.

    Returns:
        Label to count, sorted by label.
    """
    counts: dict[str, int] = defaultdict(int)
    for example in examples:
        counts[example.label] += 1
    return dict(sorted(counts.items()))


def _load_yaml_folder(folder: Path) -> list[Example]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in YAML_SUFFIXES)
    if not files:
        raise DataError(
            f"folder '{folder}' holds no .yml/.yaml files; point --data at Rasa "
            "NLU YAML data."
        )
    examples: list[Example] = []
    for file in files:
        examples.extend(load_rasa_yaml(file))
    return examples


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"'{path}' is not UTF-8 text ({err}); re-save it as UTF-8."
        ) from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DataError(f"'{path}' is not valid YAML: {err}") from err


def _yaml_item_texts(path: Path, intent: str, raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        lines = [line.strip() for line in raw.splitlines()]
        entries = [line[1:].strip() for line in lines if line.startswith("-")]
        stray = [line for line in lines if line and not line.startswith("-")]
        if stray:
            raise DataError(
                f"'{path}': examples of intent '{intent}' must be lines starting "
                f"with '- ', got {stray[0]!r}."
            )
    elif isinstance(raw, list):
        entries = []
        for entry in raw:
            text = entry.get("text") if isinstance(entry, dict) else None
            if not isinstance(text, str):
                raise DataError(
                    f"'{path}': examples of intent '{intent}' as a list need a "
                    f"'text' key in each item, got {entry!r:.80}."
                )
            entries.append(text)
    else:
        raise DataError(
            f"'{path}': examples of intent '{intent}' must be a block of '- ' "
            f"lines, got {type(raw).__name__}."
        )
    texts = [_clean(strip_entity_annotations(entry)) for entry in entries]
    return [text for text in texts if text]


def _pick_column(
    path: Path,
    columns: list[str],
    wanted: str | None,
    defaults: tuple[str, ...],
    role: str,
) -> str:
    candidates = (wanted,) if wanted else defaults
    for candidate in candidates:
        if candidate in columns:
            return candidate
    raise DataError(
        f"'{path}' has no {role} column {' or '.join(repr(c) for c in candidates)}; "
        f"its columns are {columns}. Rename the column or pass --{role}-column."
    )


def _clean(text: str | None) -> str:
    return _WHITESPACE.sub(" ", text or "").strip()
