"""Generates the Python gRPC code from the repository's proto/ with grpcio-tools.

The code goes to clients/python/gen/ (gitignored) and is regenerated on every run, so it can
never drift from proto/. Run it on its own (`python generate.py`) or import it and call
`generate()`, as submit_and_watch.py does.
"""

import shutil
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto"
OUT = HERE / "gen"


def generate(out: Path = OUT) -> Path:
    """Regenerates every *.proto under proto/ into `out`, puts `out` on sys.path, returns it."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    if not protos:
        raise SystemExit(f"no .proto files under {PROTO_ROOT}")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # google/protobuf/*.proto (timestamp.proto) ship inside grpcio-tools.
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("grpc_tools.protoc failed")
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return out


if __name__ == "__main__":
    out = generate()
    print(f"generated {len(list(out.rglob('*_pb2.py')))} modules into {out}")
