"""Render a kustomization (deploy/k8s/overlays/*) the way `kubectl kustomize` does, for the
subset of kustomize that deploy/k8s uses, so the manifests are checked on machines without
kubectl too. tests/test_k8s.py checks it renders exactly what kubectl renders where kubectl is.

Supported: `resources` (files and kustomization folders), `namespace`, `images` (newName,
newTag), `secretGenerator` (envs, with options.disableNameSuffixHash) and `patches` given by
`path` (strategic merge onto the resource of the same kind and name). Anything else is refused,
so the subset cannot silently grow past what this renders.
"""

from __future__ import annotations

import base64
import copy
import shutil
import subprocess
from pathlib import Path

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "secretGenerator", "patches"}
CLUSTER_SCOPED_KINDS = {"Namespace"}


class UnsupportedKustomization(Exception):
    """The kustomization uses a feature this renderer does not implement."""


def kubectl() -> str | None:
    """Path of kubectl if it is installed (its `kustomize` renders the real thing)."""
    return shutil.which("kubectl")


def render_with_kubectl(folder: Path) -> list[dict]:
    """The documents `kubectl kustomize folder` renders (works offline)."""
    output = subprocess.run(
        [kubectl(), "kustomize", str(folder)], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def render(folder: Path) -> list[dict]:
    """The documents of the kustomization in `folder`, rendered by this module."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - SUPPORTED_KEYS
    if unsupported:
        raise UnsupportedKustomization(f"{folder}: {sorted(unsupported)}")
    documents: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        if path.is_dir():
            documents += render(path)
        else:
            documents += [document for document in yaml.safe_load_all(path.read_text()) if document]
    for generator in kustomization.get("secretGenerator", []):
        documents.append(_generated_secret(folder, generator))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedKustomization(f"{folder}: patch {patch}: only `path` patches")
        for change in yaml.safe_load_all((folder / patch["path"]).read_text()):
            if change:
                target = _find(documents, change["kind"], change["metadata"]["name"])
                documents[documents.index(target)] = merge(target, change)
    if "namespace" in kustomization:
        for document in documents:
            if document["kind"] not in CLUSTER_SCOPED_KINDS:
                document["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for document in documents:
            _set_image(document, image)
    return documents


def merge(target, patch):
    """`patch` merged into `target` as a strategic merge patch does for the fields used here:
    maps merge key by key (null deletes), lists of named items merge by name, other lists replace."""
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(target)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = merge(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    if _named_items(target) and _named_items(patch):
        merged = copy.deepcopy(target)
        for item in patch:
            names = [existing["name"] for existing in merged]
            if item["name"] in names:
                position = names.index(item["name"])
                merged[position] = merge(merged[position], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(patch)


def _named_items(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) and "name" in item for item in value)


def _find(documents: list[dict], kind: str, name: str) -> dict:
    for document in documents:
        if document["kind"] == kind and document["metadata"]["name"] == name:
            return document
    raise UnsupportedKustomization(f"patch of {kind}/{name}: no such resource")


def _generated_secret(folder: Path, generator: dict) -> dict:
    if set(generator) - {"name", "envs", "options", "type"} or not generator.get("options", {}).get(
        "disableNameSuffixHash"
    ):
        raise UnsupportedKustomization(f"{folder}: secretGenerator {generator['name']}: only envs, without a hash")
    data = {}
    for env_file in generator.get("envs", []):
        for line in (folder / env_file).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                data[key.strip()] = base64.b64encode(value.encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": generator["name"]},
        "type": generator.get("type", "Opaque"),
        "data": data,
    }


def _set_image(document: dict, image: dict) -> None:
    pod = document.get("spec", {}).get("template", {}).get("spec", {})
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        name, _, tag = container["image"].partition(":")
        if name == image["name"]:
            container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}".rstrip(":")
