"""Regenerate the Python code of every .proto under protos/ (`make protos`).

Run from the repository root: ``python -m protos.generate [OUT_DIR]``. The
generated modules import each other as ``protos.<service>.v1...``.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted((REPO_ROOT / "protos").rglob("*.proto"))


def generate(out_dir: Path = REPO_ROOT) -> list[Path]:
    """Write the generated modules under `out_dir`/protos/...; return their paths."""
    include = str(resources.files("grpc_tools") / "_proto")
    sources = [str(p.relative_to(REPO_ROOT)) for p in proto_files()]
    args = [
        "protoc",
        f"-I{REPO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    written = []
    for source in sources:
        package_dir = out_dir / Path(source).parent
        for parent in [package_dir, *package_dir.relative_to(out_dir).parents]:
            init = out_dir / parent / "__init__.py"
            if parent != Path(".") and not init.exists():
                init.touch()
        stem = Path(source).stem
        written += [package_dir / f"{stem}{suffix}" for suffix in GENERATED_SUFFIXES]
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT
    for path in generate(target):
        print(path.relative_to(target))
