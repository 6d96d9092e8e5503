"""Manifests (placeholder until the manifest work lands)."""
Manifest = ManifestBuilder = GenevaManifestBuilder = None
