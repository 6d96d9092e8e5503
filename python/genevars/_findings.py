"""What every result holding findings offers: the findings that matter, by severity."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict


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


class CodeInfo(TypedDict):
    """What one finding code means and how genevars treats it (see :func:`list_codes`)."""

    code: str
    """As in a finding's ``code``: ``version.major``, ``only_local``, ``rule.<id>``, ``drift.<code>``."""
    category: str
    """The finding's ``category`` (``package``, ``env``, ``sys_path``, ...)."""
    section: str
    """The report section that lists it (``package_versions``, ``env_only_local``, ...;
    ``summary``: listed among the errors and warnings, and in the JSON)."""
    severity_from: str
    """Where its default severity is set, e.g. ``knowledge.toml [severity.env] only_local``."""
    counts_in_fingerprint: Optional[bool]
    """Whether nodes differing in it land in different node groups (None: as the wrapped code)."""
    fix: str
    """What ``fix_manifest()`` does about it: ``pin_package``, ``pass_variable``,
    ``advise_image``, ``advise_conda`` or ``nothing``."""
    description: str
    """One line saying what it means."""


def list_codes() -> List[CodeInfo]:
    """Every finding code genevars reports, with what it means and how it is treated.

    A finding's ``code`` is one of these: the fixed codes, ``rule.<id>`` for a known
    incompatibility from a rules file, and ``drift.<code>`` where node groups disagree.
    One text may name codes of several categories (``only_local`` of a package, a
    variable or a sys.path entry); ``(category, code)`` names exactly one.

    Example::

        >>> from genevars import list_codes
        >>> [c["section"] for c in list_codes() if c["code"] == "version.major"]
        ['package_versions']
    """
    from genevars import _core

    return [CodeInfo(**entry) for entry in _core.list_codes()]  # type: ignore[typeddict-item]
