"""How many CPU threads the intent classifier uses when serving."""

from __future__ import annotations

from rasa.shared.exceptions import InvalidConfigException

# CPU threads for inference in the server (torch.set_num_threads), read when a
# trained classifier loads; "0" keeps torch's default (one per core).
THREADS_ENV = "SHOPBOT_INFERENCE_THREADS"
DEFAULT_INFERENCE_THREADS = 1


def set_inference_threads(value: str | None) -> int:
    """Set torch's CPU threads for serving; returns the number set (0: default).

    One thread is the default: a message is one short sequence, too small for
    intra-op parallelism to pay, while the server runs many requests and other
    processes (action server) on few cores, where torch's thread team spins
    against them (parse times of 11 ms grew past 300 ms under load with 2
    threads on 2 shared cores; see reports/chat_benchmark.md).

    Raises:
        InvalidConfigException: the value is not a whole number >= 0.
    """
    import torch

    text = (value or "").strip()
    if not text:
        threads = DEFAULT_INFERENCE_THREADS
    elif text.isdigit():
        threads = int(text)
    else:
        raise InvalidConfigException(
            f"{THREADS_ENV} must be a whole number >= 0 (0: torch's default), got "
            f"'{value}'."
        )
    if threads > 0:
        torch.set_num_threads(threads)
    return threads
