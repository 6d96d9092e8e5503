"""What every result holding findings offers: the findings that matter, by severity."""

from __future__ import annotations

from typing import Any, Dict, List


class FindingsView:
    """``errors`` and ``warnings`` over a ``findings`` list of finding dicts.

    >>> class R(FindingsView):
    ...     findings = [{"severity": "error", "subject": "numpy"}]
    >>> [f["subject"] for f in R().errors]
    ['numpy']
    """

    findings: List[Dict[str, Any]]

    @property
    def errors(self) -> List[Dict[str, Any]]:
        """Findings of severity ``error``."""
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self) -> List[Dict[str, Any]]:
        """Findings of severity ``warning``."""
        return [f for f in self.findings if f["severity"] == "warning"]
