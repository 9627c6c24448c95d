"""The retriever used by the bot: encoder + index + records + calibration.

``Retriever.load(dir)`` is what the action server calls once (through a cached
factory); ``answer(text)`` returns a :class:`~retrieval.decision.Decision`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from retrieval.bundle import Bundle, load_bundle, save_bundle
from retrieval.calibration import (
    DEFAULT_TARGET_PRECISION,
    Calibration,
    fit_calibration,
    uncalibrated,
)
from retrieval.config import RetrievalConfig
from retrieval.content import HeldoutQuery
from retrieval.decision import Decision, Hit, decide, vote
from retrieval.encode import Encoder, encode, load_encoder
from retrieval.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    IncompatibleIndexError,
    InvalidQueryError,
    RetrievalConfigError,
    UnknownIdError,
)
from retrieval.index import (
    add_vectors,
    build_index,
    choose_spec,
    gpu_count,
    index_kind,
    remove_ids,
    search,
    to_gpu,
)
from retrieval.qa_store import QARecord, check_unique_ids

logger = logging.getLogger(__name__)


def prepare_query(text: object, max_chars: int) -> str:
    """Validate a shopper's question and bound its length.

    Args:
        text: The question.
        max_chars: Longer text is cut to this many characters (the encoder keeps
            only its first ``max_length`` tokens anyway).

    Returns:
        The stripped, possibly shortened text.

    Raises:
        InvalidQueryError: When ``text`` is not a string or is blank.
    """
    if not isinstance(text, str):
        raise InvalidQueryError(
            f"The question must be a string, got {type(text).__name__}."
        )
    stripped = text.strip()
    if not stripped:
        raise InvalidQueryError("The question is empty; ask the shopper to type one.")
    if len(stripped) > max_chars:
        logger.warning(
            "Question of %d characters cut to %d (max_query_chars)",
            len(stripped),
            max_chars,
        )
        stripped = stripped[:max_chars]
    return stripped


def check_compatible(bundle: Bundle, encoder: Encoder, origin: str) -> None:
    """Refuse an index whose vectors come from another model than ``encoder``.

    Raises:
        DimensionMismatchError: When the dimensions differ (names both).
        IncompatibleIndexError: When the dimensions match but the models differ.
    """
    if bundle.dim != encoder.dim:
        raise DimensionMismatchError(
            f"Index {origin} holds {bundle.dim}-dim vectors from model "
            f"{bundle.model_name!r}, but encoder {encoder.name!r} makes "
            f"{encoder.dim}-dim vectors; rebuild the index with this model or load "
            "the model it was built with."
        )
    if bundle.model_fingerprint != encoder.fingerprint:
        raise IncompatibleIndexError(
            f"Index {origin} was built by model {bundle.model_name!r} (fingerprint "
            f"{bundle.model_fingerprint}), but the encoder is {encoder.name!r} "
            f"(fingerprint {encoder.fingerprint}); rebuild the index with this model."
        )


class Retriever:
    """Answers questions from past support Q/A pairs."""

    def __init__(self, bundle: Bundle, encoder: Encoder) -> None:
        """Wrap a loaded bundle and a matching encoder (see :meth:`load`)."""
        self.bundle = bundle
        self.encoder = encoder
        self._search_index: Any = None

    @property
    def config(self) -> RetrievalConfig:
        """The index's build configuration."""
        return self.bundle.config

    @property
    def calibration(self) -> Calibration:
        """The answer calibration (a cautious default when not calibrated)."""
        return self.bundle.calibration or uncalibrated()

    @property
    def records(self) -> dict[int, QARecord]:
        """Stored records by id."""
        return self.bundle.records

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        encoder: Encoder | None = None,
        model_path: str | None = None,
    ) -> Retriever:
        """Load an index directory and the encoder it was built with.

        Args:
            directory: Index directory written by :meth:`save`.
            encoder: A loaded encoder to reuse; by default the model named in the
                index's config (or ``model_path``) is loaded.
            model_path: Overrides the model folder recorded in the index.

        Returns:
            The retriever.

        Raises:
            IndexNotFoundError: When the directory is missing.
            CorruptIndexError: When it is half-written or inconsistent.
            DimensionMismatchError: When the encoder's dimension differs.
            IncompatibleIndexError: When the encoder is another model.
        """
        bundle = load_bundle(Path(directory))
        if encoder is None:
            encoder = load_encoder(
                model_path or bundle.config.model_path, bundle.config.device
            )
        check_compatible(bundle, encoder, str(directory))
        logger.info(
            "Loaded retrieval index %s: %d records, %s",
            directory,
            len(bundle.records),
            index_kind(bundle.index),
        )
        return cls(bundle, encoder)

    @classmethod
    def build(
        cls,
        records: Sequence[QARecord],
        *,
        config: RetrievalConfig | None = None,
        encoder: Encoder | None = None,
    ) -> Retriever:
        """Embed the records' questions and index them.

        Args:
            records: Records with unique ids.
            config: Build settings (defaults apply when None).
            encoder: A loaded encoder; by default ``config.model_path`` is loaded.

        Returns:
            An uncalibrated retriever; see :meth:`calibrate` and :meth:`save`.

        Raises:
            DuplicateIdError: When two records share an id.
            RetrievalConfigError: When there are no records.
        """
        config = config or RetrievalConfig()
        if not records:
            raise RetrievalConfigError("Cannot build an index from zero QA records.")
        check_unique_ids(records)
        encoder = encoder or load_encoder(config.model_path, config.device)
        vectors = encode(
            encoder,
            [record.question for record in records],
            batch_size=config.batch_size,
            max_length=config.max_length,
        )
        spec = choose_spec(len(records), config)
        index = build_index(vectors, [record.id for record in records], spec)
        bundle = Bundle(
            index=index,
            records={record.id: record for record in records},
            config=config,
            model_name=encoder.name,
            model_fingerprint=encoder.fingerprint,
            dim=encoder.dim,
        )
        return cls(bundle, encoder)

    def save(self, directory: Path | str) -> None:
        """Write the index directory atomically (see :func:`save_bundle`)."""
        save_bundle(self.bundle, Path(directory))

    def _index(self) -> Any:
        """The index to search: a GPU copy when configured and available."""
        if self._search_index is not None:
            return self._search_index
        index = self.bundle.index
        mode = self.config.gpu
        if mode != "off" and (mode == "on" or gpu_count() > 0):
            if mode == "on" or index_kind(index) != "hnsw":
                index = to_gpu(index)
                logger.info("Searching the retrieval index on the GPU")
        self._search_index = index
        return index

    def embed(self, texts: Sequence[str]) -> Any:
        """Encode texts with the index's encoder and settings."""
        return encode(
            self.encoder,
            texts,
            batch_size=self.config.batch_size,
            max_length=self.config.max_length,
        )

    def search(self, texts: Sequence[str], k: int | None = None) -> list[list[Hit]]:
        """Search several questions at once.

        Args:
            texts: Questions (validated and length-bounded like :meth:`answer`).
            k: Hits per question; ``config.top_k`` by default.

        Returns:
            For each question, hits sorted by descending cosine.

        Raises:
            InvalidQueryError: On an empty or non-string question.
        """
        prepared = [prepare_query(text, self.config.max_query_chars) for text in texts]
        if not prepared:
            return []
        vectors = self.embed(prepared)
        results = search(self._index(), vectors, k or self.config.top_k)
        return [
            [Hit(record=self.records[i], score=score) for i, score in hits]
            for hits in results
        ]

    def answer(self, text: str) -> Decision:
        """Decide whether and how to answer one question.

        Args:
            text: The shopper's question.

        Returns:
            The decision (``answer`` is None when the bot should abstain).

        Raises:
            InvalidQueryError: On an empty or non-string question.
        """
        hits = self.search([text], max(self.config.top_k, 10))[0]
        return decide(hits, self.calibration)

    def add(self, records: Iterable[QARecord]) -> None:
        """Add new records to the index without a rebuild.

        Raises:
            DuplicateIdError: When an id is already stored (nothing is added).
        """
        new = list(records)
        check_unique_ids(new)
        for record in new:
            if record.id in self.records:
                raise DuplicateIdError(
                    f"QA id {record.id} is already in the index (source "
                    f"{self.records[record.id].source}); remove it first or use a new "
                    "id."
                )
        if not new:
            return
        vectors = self.embed([record.question for record in new])
        add_vectors(self.bundle.index, vectors, [record.id for record in new])
        self.records.update({record.id: record for record in new})
        self._search_index = None

    def remove(self, ids: Iterable[int]) -> list[QARecord]:
        """Remove records and their vectors (for erasure requests).

        Returns:
            The removed records.

        Raises:
            UnknownIdError: When an id is not stored (nothing is removed).
        """
        wanted = sorted(set(ids))
        for record_id in wanted:
            if record_id not in self.records:
                raise UnknownIdError(
                    f"QA id {record_id} is not in the index; nothing was removed."
                )
        remove_ids(self.bundle.index, wanted)
        self._search_index = None
        return [self.records.pop(record_id) for record_id in wanted]

    def calibrate(
        self,
        queries: Sequence[HeldoutQuery],
        *,
        target_precision: float = DEFAULT_TARGET_PRECISION,
    ) -> Calibration:
        """Fit the confidence map and threshold on validation queries.

        Args:
            queries: Held-out queries with their true intents (validation split).
            target_precision: Precision of answered queries to reach.

        Returns:
            The calibration, also stored on the retriever (saved by :meth:`save`).

        Raises:
            RetrievalConfigError: When there are no queries.
        """
        if not queries:
            raise RetrievalConfigError(
                "Calibration needs at least one validation query."
            )
        confidences: list[float] = []
        cosines: list[float] = []
        correct: list[bool] = []
        for query, hits in zip(
            queries, self.search([q.text for q in queries]), strict=False
        ):
            chosen = vote(hits)
            confidences.append(chosen.confidence if chosen else 0.0)
            cosines.append(chosen.hit.score if chosen else 0.0)
            correct.append(bool(chosen and chosen.intent == query.intent))
        calibration = fit_calibration(
            confidences, cosines, correct, target_precision=target_precision
        )
        self.bundle.calibration = calibration
        return calibration
