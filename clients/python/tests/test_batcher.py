"""The batcher under 64 threads and 64 asyncio tasks: each caller its own result, errors to their callers."""
import asyncio
import socket
import threading
import unittest

from verimesh import Batcher, Client, InvalidSampleError, UnavailableError

from . import grpo
from .support import HTTP, assert_rewards, needs_gateway


def sample(i):
    # Every caller uses the same id: the batcher keeps them apart.
    return {"id": "same", "group": grpo.GROUPS[i], "response": grpo.RESPONSES[i], "reference": grpo.REFERENCES[i], "profile": grpo.PROFILES[i]}


def run_threads(caller, n):
    """caller(i) on n threads at once; returns when all are done."""
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@needs_gateway
class BatcherTest(unittest.TestCase):
    def test_64_threads(self):
        b = Batcher(Client(HTTP), max_wait_ms=20)
        out, errors = [None] * 64, [None] * 64
        barrier = threading.Barrier(64)

        def caller(i):
            barrier.wait()
            try:
                s = sample(i) if i % 9 else {"id": f"bad{i}", "response": "x", "profile": "nope"}
                out[i] = b.score(s)
            except Exception as e:
                errors[i] = e

        run_threads(caller, 64)
        bad = [i for i in range(64) if i % 9 == 0]
        for i in range(64):
            if i in bad:
                self.assertIsInstance(errors[i], InvalidSampleError)
                self.assertEqual(errors[i].sample_id, f"bad{i}")
            else:
                self.assertIsNone(errors[i])
                self.assertEqual(out[i].id, "same")
        assert_rewards(self, [out[i].reward for i in range(64) if i not in bad], [grpo.EXPECTED[i] for i in range(64) if i not in bad])
        self.assertLess(b.calls, 16, "64 concurrent callers should coalesce into a few calls")
        b.close()

    def test_64_asyncio_tasks(self):
        b = Batcher(Client(HTTP, on_invalid="none"), max_wait_ms=20)

        async def main():
            return await asyncio.gather(*(b.score_async(sample(i)) for i in range(64)), b.score_async({"id": "x", "response": "x", "profile": "nope"}))

        got = asyncio.run(main())
        assert_rewards(self, [r.reward for r in got[:64]], grpo.EXPECTED)
        self.assertIsNone(got[64].reward)  # on_invalid "none", for that caller only
        self.assertLess(b.calls, 16)
        b.close()

    def test_a_failed_call_reaches_every_caller_in_it(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        b = Batcher(Client(f"http://127.0.0.1:{port}", timeout=0.3), max_wait_ms=20)
        futures = [b.submit(sample(i)) for i in range(10)]
        for f in futures:
            self.assertIsInstance(f.exception(timeout=10), UnavailableError)
        b.close()

    def test_in_flight_is_bounded(self):
        b = Batcher(Client(HTTP), max_batch=4, max_wait_ms=1, max_in_flight=6, concurrency=1)
        peak, sizes = [0], []
        orig_enqueue, orig_send = b._enqueue, b._send

        def enqueue(*args):
            item = orig_enqueue(*args)
            peak[0] = max(peak[0], b._in_flight)  # samples in flight, this one included
            return item

        def send(batch):
            sizes.append(len(batch))
            orig_send(batch)

        b._enqueue, b._send = enqueue, send
        results = b.score_many([sample(i) for i in range(16)])
        assert_rewards(self, [r.reward for r in results], grpo.EXPECTED[:16])
        self.assertLessEqual(peak[0], 6)
        self.assertLessEqual(max(sizes), 4)
        b.close()

    def test_errors_reach_score_callers_and_async_callers_wait_for_room(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        dead = Batcher(Client(f"http://127.0.0.1:{port}", timeout=0.3), max_wait_ms=20)
        errors = [None] * 8

        def caller(i):
            try:
                dead.score(sample(i))
            except Exception as e:
                errors[i] = e

        run_threads(caller, 8)
        self.assertTrue(all(isinstance(e, UnavailableError) for e in errors), errors)
        with self.assertRaisesRegex(ValueError, r"samples\[0\].reference.x: nan"):  # refused before it is queued
            dead.score({"id": "a", "response": "x", "reference": {"x": float("nan")}})
        self.assertEqual(dead._in_flight, 0)
        dead.close()
        # More tasks than max_in_flight: the rest wait for room off the event loop, and all get their results.
        b = Batcher(Client(HTTP), max_batch=4, max_wait_ms=1, max_in_flight=3)

        async def main():
            return await asyncio.gather(*(b.score_async(sample(i)) for i in range(12)))

        assert_rewards(self, [r.reward for r in asyncio.run(main())], grpo.EXPECTED[:12])
        self.assertEqual(b._in_flight, 0)
        b.close()


@needs_gateway
class CallersComingBackTest(unittest.TestCase):
    """Callers that score one sample after another (a trainer's per-rollout hook), threads and tasks on two event
    loops (each loop's futures set on it, once per batch): each must get its own result, every round."""

    ROUNDS = 4

    def test_64_threads_score_round_after_round(self):
        b = Batcher(Client(HTTP), max_batch=64)
        got = [[None] * self.ROUNDS for _ in range(64)]

        def caller(i):
            for k in range(self.ROUNDS):
                j = (i + k) % 64  # a different rollout each round
                got[i][k] = (j, b.score(sample(j)).reward)

        run_threads(caller, 64)
        flat = [pair for row in got for pair in row]
        assert_rewards(self, [r for _, r in flat], [grpo.EXPECTED[j] for j, _ in flat])
        self.assertLess(b.calls, 64 * self.ROUNDS // 4, "callers coming back should still be coalesced")
        b.close()

    def test_tasks_on_two_event_loops_and_a_cancelled_task(self):
        b = Batcher(Client(HTTP), max_batch=64)
        out = {}

        def loop_thread(name, offset):
            async def caller(i):
                rewards = []
                for k in range(self.ROUNDS):
                    j = (offset + i + k) % 64
                    rewards.append((j, (await b.score_async(sample(j))).reward))
                return rewards

            async def main():
                doomed = asyncio.ensure_future(b.score_async(sample(0)))
                await asyncio.sleep(0)
                doomed.cancel()  # its result arrives later and is dropped; the others are not disturbed
                return await asyncio.gather(*(caller(i) for i in range(32)))

            out[name] = asyncio.run(main())

        threads = [threading.Thread(target=loop_thread, args=(n, o)) for n, o in (("a", 0), ("b", 32))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        flat = [pair for rows in out.values() for row in rows for pair in row]
        self.assertEqual(len(flat), 2 * 32 * self.ROUNDS)
        assert_rewards(self, [r for _, r in flat], [grpo.EXPECTED[j] for j, _ in flat])
        b.close()


class InterruptedCallerTest(unittest.TestCase):
    """A score() caller interrupted while it waits (Ctrl-C in the main thread) keeps nobody else in its batch waiting."""

    def test_callers_after_an_interrupted_one_still_get_results(self):
        import http.server
        import json
        import signal

        class SlowGateway(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                samples = json.loads(self.rfile.read(int(self.headers["content-length"])))["samples"]
                threading.Event().wait(0.5)
                body = json.dumps({"results": [{"id": s["id"], "reward": 0.5, "status": "ok", "components": {}} for s in samples]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        b = Batcher(Client(f"http://127.0.0.1:{server.server_address[1]}"), max_wait_ms=50, idle_ms=50)
        others = [None] * 4

        def other(i):
            others[i] = b.score({"id": str(i), "response": "x"})

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        old = signal.signal(signal.SIGALRM, interrupt)
        threads = [threading.Thread(target=other, args=(i,)) for i in range(4)]
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            threading.Timer(0.01, lambda: [t.start() for t in threads]).start()  # queued after the main thread's sample
            with self.assertRaises(KeyboardInterrupt):
                b.score({"id": "main", "response": "x"})
            for t in threads:
                t.join(10)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        self.assertEqual([r.reward if r else None for r in others], [0.5] * 4)
        b.close()
        server.shutdown()
