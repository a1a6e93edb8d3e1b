#!/usr/bin/env python3
"""Scores a JSONL file through a Verimesh gateway from Python, as a trainer would (grpcio + protobuf).

Generate the message classes once:  protoc -I proto --python_out=examples/python/gen proto/verimesh/v1/*.proto
Then:  python3 examples/python/score_client.py --gateway 127.0.0.1:50051 --in examples/demo.jsonl
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
        comps = {c.name: {"score": c.score, "status": pb.ComponentStatus.Name(c.status)} for c in r.components}
        print(json.dumps({"id": r.id, "reward": r.reward, "status": pb.ResultStatus.Name(r.status), "components": comps}))
    for g in reply.groups:
        print(json.dumps({"group": g.group, "count": g.count, "mean": g.mean, "all_equal": g.all_equal}))


if __name__ == "__main__":
    main()
