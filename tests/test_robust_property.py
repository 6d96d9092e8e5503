"""Property test (issue 12): random METADATA (Name, Version, Requires-Dist), requirement
lines and environment values go through snapshot -> diff -> report and check, and nothing
escapes but a GenevarsError."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genevars import GenevarsError, check_requirements, compare_snapshots, snapshot_env
from genevars._manifest import ManifestBuilder

# Pieces real requirement lines are made of, so that most draws get past the name and
# reach the version, extras and marker parsers; random text covers the rest.
NAMES = st.sampled_from(["numpy", "numpy.", "a-", "a_b", "Ray", "x" * 300, "", "é", "pkg"])
PIECES = st.sampled_from(
    [" ", ">=1", "==2.0.*", "(<3,>=1)", "[extra]", "[", "]", "@ https://h/x.whl", ";",
     " ; python_version >= '3.9'", " ; extra == \"dev\"", "and", "or", "(", ")", "'", '"',
     "~=1.0", "===x", "!=1.0+local", ".", "-", "*", ",", "\t", "9" * 40]
)
LINES = st.one_of(
    st.tuples(NAMES, st.lists(PIECES, max_size=6)).map(lambda t: t[0] + "".join(t[1])),
    st.text(max_size=40),
)
VERSIONS = st.one_of(st.sampled_from(["1.0", "1.0.0", "2!1.0.post1.dev2+cpu", "1." + "9" * 30, "", "x"]),
                     st.text(max_size=12))
# Header values end at a line break; anything else may appear.
HEADER = st.text(max_size=20).map(lambda s: s.replace("\n", " ").replace("\r", " "))
DIST = st.fixed_dictionaries({"name": st.one_of(NAMES, HEADER), "version": VERSIONS,
                              "requires": st.lists(LINES, max_size=4)})
ENV = st.dictionaries(st.sampled_from(["MODE", "PATH", "API_TOKEN", "X"]), st.text(max_size=20), max_size=3)


def site(root: Path, dists: list[dict]) -> Path:
    path = root / "site"
    for i, dist in enumerate(dists):
        directory = path / f"d{i}-1.0.dist-info"
        directory.mkdir(parents=True)
        requires = "".join(f"Requires-Dist: {line.splitlines()[0] if line.splitlines() else ''}\n"
                           for line in dist["requires"])
        text = f"Metadata-Version: 2.1\nName: {dist['name']}\nVersion: {dist['version']}\n{requires}\n"
        (directory / "METADATA").write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(local=st.lists(DIST, max_size=3), remote=st.lists(DIST, max_size=3), env=ENV,
       pins=st.lists(LINES, max_size=2))
def test_random_metadata_never_escapes_as_anything_but_genevars_error(local, remote, env, pins):
    root = Path(tempfile.mkdtemp(prefix="genevars-prop-"))
    try:
        snaps = []
        for i, dists in enumerate((local, remote)):
            try:
                snap = snapshot_env(paths=[site(root / str(i), dists)]).to_dict()
            except UnicodeEncodeError:
                return  # a lone surrogate cannot be written to a file: nothing to test
            snap["env"] = {**snap["env"], **env} if i else dict(env)
            snaps.append(snap)
        try:
            result = compare_snapshots(snaps[0], snaps[1])
            assert isinstance(result.report(), str)
            result.to_json()
            check_requirements(snaps[0]).report()
            check_requirements(snaps[0], snaps[1], manifest=pins or None).report()
        except GenevarsError:
            pass
        try:
            ManifestBuilder.create("m").pip(pins).allow_unpinned().build()
        except GenevarsError:
            pass
    finally:
        shutil.rmtree(root, ignore_errors=True)
