"""What every result holding findings offers: the findings that matter, by severity,
and the types that say what a finding is (:class:`Finding`, :data:`Severity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, Sequence, TypedDict

#: How bad a finding is, worst first.
Severity = Literal["error", "warning", "info", "expected"]
#: The least severe finding that fails a run (``--fail-on``, ``fail_on=``); ``never``: none.
FailOn = Literal["error", "warning", "never"]

_SEVERITY_RANK = {"expected": 0, "info": 1, "warning": 2, "error": 3}


class ShadowedCopy(TypedDict):
    """A copy of a distribution that ``import`` never loads (an earlier one wins)."""

    version: str
    location: str
    metadata_path: str


class _FindingFields(TypedDict):
    severity: Severity
    category: str
    subject: str
    code: str
    local: Optional[str]
    remote: Optional[str]
    message: str
    hint: Optional[str]


class Finding(_FindingFields, total=False):
    """One difference or problem, as in ``result.findings`` and the comparison JSON.

    Always present: ``severity``; ``category`` (``package``, ``env``, ``sys_path``,
    ``python``, ``platform``, ``requirement``, ``rule``, ``unreachable``,
    ``runtime_env``, ...); ``subject`` (the PEP 503 name of a package, a variable's name,
    a path); ``code`` (e.g. ``version.major``, ``only_local``); ``local`` and ``remote``
    (the values, secrets withheld; None where a side has none); ``message``; ``hint``
    (the symptom and the fix, where known). Cluster comparisons add ``nodes`` (node ids)
    and ``group`` (an index into ``result.groups``); ``shadowed`` lists the copies
    ``import`` never loads; ``repeat`` marks a drift finding that repeats one already
    counted.

    Example::

        >>> from genevars import Finding
        >>> def subjects(findings: list[Finding]) -> list[str]:
        ...     return [f["subject"] for f in findings if f["severity"] == "error"]
    """

    nodes: List[str]
    group: int
    shadowed: List[ShadowedCopy]
    repeat: bool


class FindingsView:
    """``errors`` and ``warnings`` over a ``findings`` list of finding dicts.

    >>> class R(FindingsView):
    ...     findings = [{"severity": "error", "subject": "numpy"}]
    >>> [f["subject"] for f in R().errors]
    ['numpy']
    """

    if TYPE_CHECKING:
        # Read-only here: a result may hold its findings in a field or compute them.
        @property
        def findings(self) -> List[Finding]: ...

    @property
    def errors(self) -> List[Finding]:
        """Findings of severity ``error``."""
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self) -> List[Finding]:
        """Findings of severity ``warning``."""
        return [f for f in self.findings if f["severity"] == "warning"]

    def at_or_above(self, severity: Severity) -> List[Finding]:
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


def findings_html(findings: Sequence[Finding], headline: str) -> str:
    """An HTML fragment: ``headline`` and a table of ``findings`` (severity in words, so
    it reads without colour), every value escaped, control characters made visible."""
    from html import escape

    from genevars._core import escape_controls

    def cell(text: object) -> str:
        return escape(escape_controls("" if text is None else str(text)))

    rows = "".join(
        f'<tr class="{cell(f["severity"])}"><td>{cell(f["severity"].upper())}</td><td>{cell(f["category"])}</td>'
        f'<td>{cell(f["subject"])}</td><td>{cell(f["message"])}</td><td>{cell(f.get("hint"))}</td></tr>'
        for f in findings
    )
    table = (
        "<table><thead><tr><th>severity</th><th>category</th><th>subject</th><th>message</th>"
        f"<th>hint</th></tr></thead><tbody>{rows}</tbody></table>"
        if findings
        else ""
    )
    return f'<div class="genevars-findings"><p><strong>{cell(headline)}</strong></p>{table}</div>'
