"""What every result holding findings offers: the findings that matter, by severity."""

from __future__ import annotations

from typing import Any, Dict, List


_SEVERITY_RANK = {"expected": 0, "info": 1, "warning": 2, "error": 3}


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

    def at_or_above(self, severity: str) -> List[Dict[str, Any]]:
        """Findings at ``severity`` or worse (``error``, ``warning``, ``info``, ``expected``).

        Example::

            >>> [f["subject"] for f in result.at_or_above("warning")]
            ['numpy', 'AWS_ACCESS_KEY_ID']
        """
        try:
            floor = _SEVERITY_RANK[severity]
        except KeyError:
            raise ValueError(
                f"unknown severity {severity!r}; use one of error, warning, info, expected"
            ) from None
        return [f for f in self.findings if _SEVERITY_RANK[f["severity"]] >= floor]
