#!/usr/bin/env python3
"""Scores a JSONL file through a Verimesh gateway from Python, as a trainer would (grpcio + protobuf).

Needs grpcio and protobuf (Debian: python3-grpcio python3-protobuf protobuf-compiler, used by /usr/bin/python3; or
pip install grpcio protobuf). Generate the message classes once, from the repository root:
    mkdir -p examples/python/gen && protoc -I proto --python_out=examples/python/gen proto/verimesh/v1/*.proto
Then:  /usr/bin/python3 examples/python/score_client.py --gateway 127.0.0.1:50051 --in examples/demo.jsonl
Prints one SPEC section 3 result per line (JSON), then one line per group's statistics.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.environ.get("VERIMESH_PY_GEN") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from verimesh.v1 import gateway_service_pb2 as gw  # noqa: E402
from verimesh.v1 import sample_pb2 as pb  # noqa: E402

SCORE = "/verimesh.v1.RewardGatewayService/Score"


def to_sample(obj):
    """SPEC section 1 JSON -> verimesh.v1.Sample (free-form parts travel as JSON text)."""
    s = pb.Sample(id=str(obj.get("id", "")), group=obj.get("group", ""), prompt=obj.get("prompt", ""), response=obj.get("response", ""))
    if "reference" in obj:
        s.reference_json = json.dumps(obj["reference"])
    if "metadata" in obj:
        s.metadata_json = json.dumps(obj["metadata"])
    if "profile" in obj:
        s.profile = obj["profile"]
    for m in obj.get("media", []):
        s.media.add(kind=m.get("kind", ""), role=m.get("role", ""), uri=m.get("uri", ""), data_b64=m.get("data_b64", ""), mime=m.get("mime", ""))
    spec = obj.get("reward")
    if spec:
        combine = spec.get("combine", "sum")
        if isinstance(combine, dict):
            s.reward.formula = combine["formula"]
        else:
            s.reward.combine = combine
        for c in spec.get("components", []):
            comp = s.reward.components.add(name=c.get("name", ""), verifier=c["verifier"])
            if "weight" in c:
                comp.weight = c["weight"]
            if "reference" in c:
                comp.reference_json = json.dumps(c["reference"])
            if "params" in c:
                comp.params_json = json.dumps(c["params"])
            if "gate" in c:
                comp.gate.min = c["gate"]["min"]
                if "value" in c["gate"]:
                    comp.gate.value = c["gate"]["value"]
            if "timeout_ms" in c:
                comp.timeout_ms = c["timeout_ms"]
            if "on_error" in c:
                comp.on_error.score = c["on_error"]["score"]
    return s


def status_name(enum, value, prefix):
    """verimesh.v1 enum value -> the SPEC's JSON word ("RESULT_STATUS_OK" -> "ok")."""
    return enum.Name(value)[len(prefix):].lower()


def to_result(r):
    """verimesh.v1.Result -> the JSON of SPEC section 3."""
    components = {}
    for c in r.components:
        comp = {"score": c.score, "status": status_name(pb.ComponentStatus, c.status, "COMPONENT_STATUS_")}
        if c.detail:
            comp["detail"] = c.detail
        if c.metrics_json:
            comp["metrics"] = json.loads(c.metrics_json)
        comp["latency_ms"] = c.latency_ms
        components[c.name] = comp
    out = {"id": r.id, "reward": r.reward, "status": status_name(pb.ResultStatus, r.status, "RESULT_STATUS_"), "error": r.error or None, "components": components}
    if r.metadata_json:
        out["metadata"] = json.loads(r.metadata_json)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", default="127.0.0.1:50051")
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    with open(args.inp) as f:
        samples = [to_sample(json.loads(line)) for line in f if line.strip()]
    with grpc.insecure_channel(args.gateway) as channel:
        score = channel.unary_unary(SCORE, request_serializer=gw.ScoreRequest.SerializeToString, response_deserializer=gw.ScoreResponse.FromString)
        reply = score(gw.ScoreRequest(samples=samples), timeout=args.timeout)
    for r in reply.results:
        print(json.dumps(to_result(r)))
    for g in reply.groups:
        print(json.dumps({"group": g.group, "count": g.count, "mean": g.mean, "std": g.std, "min": g.min, "max": g.max, "all_equal": g.all_equal}))


if __name__ == "__main__":
    main()
