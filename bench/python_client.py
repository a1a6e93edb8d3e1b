"""Python client benchmark (run by bench/python.ts, which starts the gateway): 64-sample GRPO batches over HTTP and
gRPC, 64 per-sample callers (threads) with and without the batcher, and 64 asyncio tasks through the batcher. Modes run interleaved in slices so that load
drifts hit them alike. Prints a Markdown table: samples/s, p50/p99 of a whole batch (or of one caller's call), client
CPU per sample, and the ratios against whole-batch HTTP."""
import argparse
import asyncio
import sys
import threading
import time

from verimesh import Batcher, Client

N = 64
BODY = "Let me look at the options carefully. " * 4
SPEC = {"components": [{"name": "format", "verifier": "text.format", "weight": 0.2, "params": {"pattern": "think_answer"}}, {"name": "exact", "verifier": "text.exact"}]}


def text_samples(k):
    return [{"id": f"{k}-{i}", "group": f"g{i >> 3}", "response": f"<think>{BODY}{i}</think><answer>{'C' if i % 3 == 0 else 'B'}</answer>", "reference": {"answer": "B"}, "reward": SPEC} for i in range(N)]


def mixed_samples(k):
    """The tests' GRPO batch without its code rows (multiple choice, Qwen2.5-VL boxes, TEDS), topped up to 64."""
    from tests import grpo

    rows = [i for i in range(64) if grpo.PROFILES[i] != "code"]
    rows = (rows * 2)[:N]
    return [{"id": f"{k}-{j}", "group": grpo.GROUPS[i], "response": grpo.RESPONSES[i], "reference": grpo.REFERENCES[i], "profile": grpo.PROFILES[i]} for j, i in enumerate(rows)]


samples = text_samples


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def whole(client, rounds):
    lat = []
    prepared = [samples(k) for k in range(rounds)]
    for batch in prepared:
        t = time.perf_counter()
        client.score(batch)
        lat.append(time.perf_counter() - t)
    return rounds * N, lat


def per_sample(call, rounds):
    """64 threads, each scoring its own sample `rounds` times, one call at a time (a trainer's per-rollout hook)."""
    lat, lock = [], threading.Lock()
    barrier = threading.Barrier(N)
    prepared = [samples(k) for k in range(rounds)]

    def caller(i):
        mine = []
        barrier.wait()
        for k in range(rounds):
            s = prepared[k][i]
            t = time.perf_counter()
            call(s)
            mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rounds * N, lat


def per_task(batcher, rounds):
    """64 asyncio tasks on one event loop, each awaiting its own sample `rounds` times (an async reward hook)."""
    lat = []
    prepared = [samples(k) for k in range(rounds)]

    async def caller(i):
        for k in range(rounds):
            t = time.perf_counter()
            await batcher.score_async(prepared[k][i])
            lat.append(time.perf_counter() - t)

    async def all_callers():
        await asyncio.gather(*(caller(i) for i in range(N)))

    asyncio.run(all_callers())
    return rounds * N, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", required=True)
    ap.add_argument("--grpc", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--slices", type=int, default=5)
    ap.add_argument("--workload", choices=["text", "mixed"], default="text")
    a = ap.parse_args()
    global samples
    samples = mixed_samples if a.workload == "mixed" else text_samples
    http, grpc_client = Client(a.http), Client(a.grpc)
    naive = Client(a.http)
    batcher = Batcher(Client(a.http), max_batch=N, max_wait_ms=2)
    modes = {
        "whole batch, HTTP": lambda r: whole(http, r),
        "whole batch, gRPC": lambda r: whole(grpc_client, r),
        "64 callers, one call each (no batcher)": lambda r: per_sample(lambda s: naive.score([s]), max(1, r // 4)),
        "64 callers through the Batcher": lambda r: per_sample(batcher.score, r),
        "64 asyncio tasks through the Batcher": lambda r: per_task(batcher, r),
    }
    for f in modes.values():  # warm up: connections, JIT of the gateway
        f(3)
    acc = {m: {"n": 0, "wall": 0.0, "cpu": 0.0, "lat": []} for m in modes}
    per = max(1, a.rounds // a.slices)
    for _ in range(a.slices):
        for m, f in modes.items():
            c0, t0 = time.process_time(), time.perf_counter()
            n, lat = f(per)
            acc[m]["wall"] += time.perf_counter() - t0
            acc[m]["cpu"] += time.process_time() - c0
            acc[m]["n"] += n
            acc[m]["lat"].extend(lat)
    base = acc["whole batch, HTTP"]["n"] / acc["whole batch, HTTP"]["wall"]
    print("| mode | samples/s | p50 ms | p99 ms | client CPU µs/sample | vs whole-batch HTTP |")
    print("|---|---:|---:|---:|---:|---:|")
    for m, x in acc.items():
        rate = x["n"] / x["wall"]
        print(f"| {m} | {rate:,.0f} | {pct(x['lat'], 50) * 1000:.1f} | {pct(x['lat'], 99) * 1000:.1f} | {x['cpu'] / x['n'] * 1e6:,.0f} | {rate / base:.2f}× |")
    through = acc["64 callers through the Batcher"]["n"] + acc["64 asyncio tasks through the Batcher"]["n"]
    print(f"\nBatcher calls: {batcher.calls} for {through} samples of its threads and tasks (+ warm-up); p50/p99 are per whole batch for the batch modes, per caller's call for the caller modes.")
    batcher.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
