#!/usr/bin/env bash
# Regenerates the shipped gRPC stubs (src/verimesh/v1/) from proto/ with Debian's protoc 3.21 and grpc_python_plugin 1.51
# (packages protobuf-compiler, protobuf-compiler-grpc): that gencode runs on protobuf >= 3.20 and grpcio >= 1.51, the
# versions Debian 12 ships, and has no runtime version check. Users never run this: the stubs are in the package.
# --check: regenerate into a temporary directory and fail if the shipped files differ.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/src"
if [[ "${1:-}" == "--check" ]]; then out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi
protoc -I "$root/proto" --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$root/proto/verimesh/v1/sample.proto" "$root/proto/verimesh/v1/gateway_service.proto"
rm -f "$out/verimesh/v1/sample_pb2_grpc.py"
if [[ "${1:-}" == "--check" ]]; then
  for f in sample_pb2.py gateway_service_pb2.py gateway_service_pb2_grpc.py; do
    cmp -s "$out/verimesh/v1/$f" "$here/src/verimesh/v1/$f" || { echo "clients/python/src/verimesh/v1/$f is stale: run clients/python/scripts/gen_proto.sh" >&2; exit 1; }
  done
fi
