#!/usr/bin/env python3
"""Scores a JSONL file of samples (SPEC section 1) through a gateway with the verimesh package, printing one SPEC
section 3 result per line, then one line per group's statistics.

    pip install ./clients/python
    python3 examples/python/score_client.py --url http://127.0.0.1:8080 --in examples/demo.jsonl
(--url grpc://127.0.0.1:50051 uses gRPC; needs grpcio and protobuf.)
"""
import argparse
import dataclasses
import json

from verimesh import Client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=None, help="gateway address (default $VERIMESH_URL, else http://127.0.0.1:8080)")
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    with open(args.inp, encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    with Client(args.url, timeout=args.timeout, on_invalid="score") as client:
        batch = client.score_batch(samples)
    for r in batch.results:
        print(json.dumps(dataclasses.asdict(r)))
    for name, g in batch.groups.items():
        print(json.dumps({"group": name, **dataclasses.asdict(g)}))


if __name__ == "__main__":
    main()
