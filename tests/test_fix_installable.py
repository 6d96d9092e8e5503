"""The fix pins only what an index can install: local version labels get the vendor index
that serves them (or advice), and pins that would change Ray are refused with advice."""

from __future__ import annotations

from genevars._manifest import fix_manifest_builder


def package(name, version, requires_dist=(), installer="pip"):
    return {
        "name": name,
        "display_name": name,
        "version": version,
        "location": "/venv/lib/python3.11/site-packages",
        "metadata_path": f"/venv/lib/python3.11/site-packages/{name}-{version}.dist-info",
        "kind": "dist-info",
        "installer": installer,
        "direct_url": None,
        "requires_dist": list(requires_dist),
    }


def differs(name, local, remote, code="version.minor"):
    return {"severity": "warning", "category": "package", "subject": name, "code": code,
            "local": local, "remote": remote, "message": "", "hint": None}


def fix_for(packages, findings):
    return fix_manifest_builder({"local": {"packages": packages}, "findings": findings})


RAY = package("ray", "2.60.0", [
    "click>=7.0", "filelock", "protobuf>=3.20.3", "requests", "pyyaml",
    "numpy>=1.20; extra == \"data\"", "pandas>=1.3; extra == 'data'",
])


def test_local_labels_get_the_vendor_index_that_serves_them() -> None:
    fix = fix_for(
        [RAY, package("torch", "2.2.0+cpu"), package("torchvision", "0.17.0+cu121")],
        [differs("torch", "2.2.0+cpu", "2.2.0+cu121", "version.local"),
         differs("torchvision", "0.17.0+cu121", "0.16.0+cu121")],
    )
    manifest = fix.build()
    assert manifest.pip == (
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        "--extra-index-url https://download.pytorch.org/whl/cu121",
        "torch==2.2.0+cpu",
        "torchvision==0.17.0+cu121",
    )
    assert fix.advice == []


def test_a_local_label_no_known_index_serves_is_advice() -> None:
    fix = fix_for([RAY, package("mylib", "1.0+internal")], [differs("mylib", "1.0+internal", "1.0")])
    assert fix.build().pip == ()
    (advice,) = fix.advice
    assert advice.startswith("mylib 1.0+internal has a local version label that no public index serves")


def test_pins_that_would_change_ray_are_refused() -> None:
    fix = fix_for(
        [RAY, package("protobuf", "5.28.0"), package("numpy", "1.26.4"),
         package("xgboost-ray", "0.1.19", ["ray>=2.7", "xgboost>=0.90"])],
        [differs("protobuf", "5.28.0", "4.25.3"), differs("numpy", "1.26.4", "2.2.6", "version.major"),
         differs("xgboost-ray", "0.1.19", "0.1.18")],
    )
    # numpy is only in an extra of Ray: pinned.
    assert fix.build().pip == ("numpy==1.26.4",)
    advice = "\n".join(fix.advice)
    assert "protobuf 5.28.0 differs (the cluster has 4.25.3), but Ray itself depends on protobuf" in advice
    assert "Changing the ray version is not allowed" in advice
    assert "xgboost-ray 0.1.19 requires ray" in advice


def test_ray_dependencies_come_from_data_without_ray_metadata() -> None:
    fix = fix_for([package("pyyaml", "6.0.1"), package("tqdm", "4.66.1")],
                  [differs("pyyaml", "6.0.1", "5.4"), differs("tqdm", "4.66.1", "4.60.0")])
    assert fix.build().pip == ("tqdm==4.66.1",)
    assert any("Ray itself depends on pyyaml" in a for a in fix.advice)
