"""From an error to its cause: :meth:`ComparisonResult.explain` and ``genevars explain``.

The ranking runs in the Rust core (``src/explain``); this module turns an exception into
the text the core reads and the core's answer into typed, read-only objects.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from genevars import _core

if TYPE_CHECKING:
    from genevars._compare import ComparisonResult
    from genevars._findings import Finding

ErrorLike = Union[BaseException, str]


@dataclass(frozen=True)
class Cause:
    """One finding that may have caused the error.

    ``finding`` is the finding dict (as in ``result.findings``); ``score`` is higher for
    likelier causes; ``because`` says why in words, one line per piece of evidence, and
    ``reasons`` is the same evidence typed (``{"kind": "symptom", "text": ...}``, kinds:
    ``symptom``, ``module_named``, ``only_one_side``, ``frame``, ``shadowed_frame``,
    ``crossed``).
    """

    finding: Finding
    score: int
    because: List[str]
    reasons: List[Dict[str, Any]]


@dataclass(frozen=True)
class Explanation:
    """The findings that most likely caused an error, likeliest first.

    ``error`` is the exception line; ``explained`` is False when nothing compared explains
    it, and then ``cannot_see`` says what genevars does not compare. ``direction`` is
    ``worker_to_driver`` (the driver unpickled what a worker pickled), ``driver_to_worker``
    (a worker raised it) or None. ``unmatched_symptoms`` lists known symptoms in the error
    of things that do not differ between the sides compared. ``str()`` gives the text.

    Example::

        >>> try:
        ...     ray.get(ref)
        ... except Exception as exc:
        ...     why = compare_ray_environments().explain(exc)
        >>> why.causes[0].finding["subject"], why.direction
        ('numpy', 'worker_to_driver')
        >>> print(why.causes[0].because[0])
        the error text matches a known symptom of numpy: "No module named 'numpy._core"
    """

    error: str
    explained: bool
    causes: List[Cause]
    direction: Optional[str]
    unmatched_symptoms: List[Dict[str, Any]] = field(default_factory=list)
    cannot_see: List[str] = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> Dict[str, Any]:
        """The explanation as plain JSON-ready data."""
        return {
            "error": self.error,
            "explained": self.explained,
            "direction": self.direction,
            "causes": [
                {"finding": c.finding, "score": c.score, "because": c.because, "reasons": c.reasons}
                for c in self.causes
            ],
            "unmatched_symptoms": self.unmatched_symptoms,
            "cannot_see": self.cannot_see,
        }


def error_text(error: ErrorLike) -> str:
    """The text the explanation reads: a string as given, an exception with its whole
    traceback and chained causes (a RayTaskError's text holds the worker's traceback)."""
    if isinstance(error, str):
        return error
    if isinstance(error, BaseException):
        return "".join(traceback.format_exception(type(error), error, error.__traceback__))
    raise TypeError(
        f"explain: expected an exception or a traceback's text, got {type(error).__name__}"
    )


# A traceback file is read up to this much (its end, where the exception line is).
MAX_ERROR_FILE_BYTES = 4 * 1024 * 1024


def read_error_file(path: str) -> str:
    """A pasted traceback from ``path`` (``-``: standard input), its last 4 MiB at most.

    Raises ``OSError`` / ``UnicodeDecodeError`` as ``open`` does; the callers turn them into
    one line naming the file.
    """
    import sys

    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - MAX_ERROR_FILE_BYTES))
            data = handle.read()
    return data[-MAX_ERROR_FILE_BYTES:].decode("utf-8", errors="replace")


def explain(result: "ComparisonResult", error: ErrorLike) -> Explanation:
    """The findings of ``result`` ranked by how likely each caused ``error``."""
    data = json.loads(_core.explain_error(result._native, error_text(error)))
    return Explanation(
        error=data["error"],
        explained=data["explained"],
        causes=[
            Cause(
                finding=c["finding"], score=c["score"], because=c["because"], reasons=c["reasons"]
            )
            for c in data["causes"]
        ],
        direction=data["direction"],
        unmatched_symptoms=data["unmatched_symptoms"],
        cannot_see=data["cannot_see"],
        text=data["text"],
    )


__all__ = ["Cause", "Explanation", "error_text", "explain", "read_error_file"]
