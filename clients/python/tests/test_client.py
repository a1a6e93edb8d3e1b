"""The Client over HTTP and gRPC against a real gateway: the GRPO batch, statuses, on_invalid, ids, numpy, streams."""
import math
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from verimesh import Client, InvalidSampleError, RequestError, UnavailableError
from verimesh._plain import plain

from . import grpo
from .support import GRPC, HTTP, assert_rewards, needs_gateway


def batch():
    return [{"id": f"r{i}", "group": grpo.GROUPS[i], "response": grpo.RESPONSES[i], "reference": grpo.REFERENCES[i], "profile": grpo.PROFILES[i]} for i in range(64)]


SPEC = {"components": [{"name": "exact", "verifier": "text.exact"}]}


@needs_gateway
class ClientTest(unittest.TestCase):
    def urls(self):
        return [HTTP] + ([GRPC] if GRPC else [])

    def test_grpo_batch_in_order_over_each_transport(self):
        for url in self.urls():
            with self.subTest(url=url), Client(url) as c:
                out = c.score_batch(batch())
                self.assertEqual([r.id for r in out.results], [f"r{i}" for i in range(64)])
                assert_rewards(self, [r.reward for r in out.results], grpo.EXPECTED)
                self.assertEqual({r.status for r in out.results}, {"ok"})
                first = out.results[0]  # mc: format (w 0.5) + exact (w 1), sum
                self.assertEqual((first.components["format"].weight, first.components["format"].contribution), (0.5, 0.5))
                self.assertEqual(first.components["exact"].status, "ok")
                gated = out.results[3]  # the gate fired: exact skipped, contributions 0
                self.assertEqual(gated.components["exact"].status, "skipped")
                self.assertEqual(gated.components["format"].contribution, 0.0)
                g0 = out.groups["prompt-0"]
                self.assertEqual(g0.count, 8)
                self.assertAlmostEqual(g0.mean, sum(grpo.EXPECTED[:8]) / 8)
                self.assertFalse(g0.all_equal)

    def test_on_invalid_modes(self):
        samples = [{"id": "good", "response": "<answer>B</answer>", "reference": {"answer": "B"}, "reward": SPEC}, {"id": "typo", "response": "B", "profile": "no-such-profile"}]
        for url in self.urls():
            with self.subTest(url=url), Client(url) as c:
                with self.assertRaises(InvalidSampleError) as cm:
                    c.score(samples)
                self.assertEqual(cm.exception.sample_id, "typo")
                self.assertIn("typo", str(cm.exception))
                self.assertIn("no-such-profile", str(cm.exception))
                none = c.score(samples, on_invalid="none")
                self.assertEqual((none[0].reward, none[1].reward, none[1].status), (1.0, None, "invalid"))
                self.assertTrue(math.isnan(none[1].reward_or_nan()))
                with Client(url, on_invalid="score") as c2:
                    scored = c2.score(samples)
                self.assertEqual((scored[1].reward, scored[1].status), (0.0, "invalid"))
                self.assertIn("no-such-profile", scored[1].error)

    def test_int_ids_and_numpy_ground_truth(self):
        s = {"id": 7, "response": '<think>x</think><answer>[{"bbox_2d": [0, 0, 100, 50]}]</answer>', "profile": "grounding", "reference": {"box": np.array([0, 0, 100, 100], dtype=np.int64)}}
        s2 = {"id": np.int64(8), "response": "<answer>4.0</answer>", "reward": {"components": [{"verifier": "text.numeric"}]}, "reference": {"answer": np.float64(4.0)}}
        with Client(HTTP) as c:
            r = c.score([s, s2])
        self.assertEqual([x.id for x in r], ["7", "8"])
        self.assertAlmostEqual(r[0].reward, 0.5)
        self.assertEqual(r[1].reward, 1.0)

    def test_plain_converts_numpy_and_refuses_nan(self):
        self.assertEqual(plain({"a": np.array([[1, 2], [3, 4]]), "b": np.float32(0.5), "c": (1, np.bool_(True))}), {"a": [[1, 2], [3, 4]], "b": 0.5, "c": [1, True]})
        self.assertEqual(plain(np.array([{"stdin": "1"}], dtype=object)), [{"stdin": "1"}])
        with self.assertRaisesRegex(ValueError, r"value.x: nan"):
            plain({"x": float("nan")})

    def test_stream_yields_every_result_once(self):
        for url in self.urls():
            with self.subTest(url=url), Client(url) as c:
                got = {r.id: r.reward for r in c.stream(iter(batch()[:24]), chunk=5)}
                self.assertEqual(sorted(got), sorted(f"r{i}" for i in range(24)))
                assert_rewards(self, [got[f"r{i}"] for i in range(24)], grpo.EXPECTED[:24])

    def test_request_errors_are_not_retried(self):
        with Client(HTTP) as c, self.assertRaises(RequestError) as cm:
            c.score([{"response": "no id"}])
        self.assertIn("samples[0].id", str(cm.exception))


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first `fail` requests, then a one-result reply; counts requests."""

    fail = 2
    seen = 0

    def do_POST(self):
        type(self).seen += 1
        self.rfile.read(int(self.headers["content-length"]))
        if type(self).seen <= type(self).fail:
            body, code = b'{"error":{"code":"UNAVAILABLE","message":"warming up"}}', 503
        else:
            body, code = b'{"results":[{"id":"a","reward":1,"status":"ok","error":null,"components":{}}],"groups":{}}', 200
        self.send_response(code)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class RetryTest(unittest.TestCase):
    def test_retries_unavailable_within_the_deadline(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            r = Client(f"http://127.0.0.1:{server.server_address[1]}", timeout=10).score([{"id": "a", "response": "x"}])
            self.assertEqual((r[0].reward, Flaky.seen), (1.0, 3))
        finally:
            server.shutdown()

    def test_gives_up_at_the_deadline_when_nothing_listens(self):
        import socket
        import time

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.monotonic()
        with self.assertRaises(UnavailableError):
            Client(f"http://127.0.0.1:{port}", timeout=0.6).score([{"id": "a", "response": "x"}])
        self.assertLess(time.monotonic() - t0, 3)

    def test_gateway_url_from_environment(self):
        import os
        from unittest import mock

        with mock.patch.dict(os.environ, {"VERIMESH_URL": "http://10.1.2.3:9999"}):
            self.assertEqual(Client().url, "http://10.1.2.3:9999")
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(Client().url, "http://127.0.0.1:8080")
        with self.assertRaisesRegex(ValueError, "on_invalid"):
            Client(on_invalid="ignore")


class GrpcTargetTest(unittest.TestCase):
    def test_urls_to_grpc_targets(self):
        from verimesh._transport import grpc_target

        self.assertEqual(grpc_target("grpc://gw.ns.svc.cluster.local:50051"), "dns:///gw.ns.svc.cluster.local:50051")
        self.assertEqual(grpc_target("grpc://gw"), "dns:///gw:50051")
        self.assertEqual(grpc_target("grpc://[::1]:7000"), "dns:///[::1]:7000")
        for target in ("dns:///gw-headless.ns.svc.cluster.local:50051", "dns://10.0.0.10:53/gw:50051", "ipv4:10.0.0.1:50051,10.0.0.2:50051", "ipv6:[::1]:50051", "unix:/run/gw.sock"):
            self.assertEqual(grpc_target(target), target)
        with self.assertRaisesRegex(ValueError, "needs its port"):
            grpc_target("dns:///gw-headless.ns.svc.cluster.local")
        with self.assertRaisesRegex(ValueError, "grpc://host:port"):
            grpc_target("grpc://gw:50051/path")
        with self.assertRaisesRegex(ValueError, "gRPC target"):
            Client("ftp://gw:50051").score([{"id": "a", "response": "x"}])
