"""The two ways to reach a gateway: HTTP/1.1 with keep-alive (standard library) and gRPC (grpcio, shipped stubs)."""
import http.client
import json
import re
import socket
import threading
import time
from typing import Any, Dict, Iterable, Iterator, List, Tuple
from urllib.parse import urlsplit

from .errors import DeadlineExceededError, OverloadedError, RequestError, UnavailableError, VerimeshError

Reply = Tuple[List[Dict[str, Any]], Dict[str, Any]]  # (results JSON, groups JSON)

_CONNECTION_ERRORS = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, socket.gaierror)


class Retryable(Exception):
    """UNAVAILABLE or a connection error: the client may try again while the caller's deadline allows."""

    def __init__(self, message: str, fresh: bool = False):
        super().__init__(message)
        #: A kept-alive connection the server had closed: try again at once, on a new connection.
        self.fresh = fresh


def _http_error(status: int, body: bytes) -> Exception:
    try:
        err = json.loads(body)["error"]
        code, message = str(err.get("code", "")), str(err.get("message", ""))
    except Exception:
        code, message = "", body[:500].decode("utf-8", "replace")
    text = f"gateway answered HTTP {status}: {message}"
    if status == 503:
        return Retryable(text)
    if status == 400:
        return RequestError(text)
    if status == 429:
        return OverloadedError(text)
    if status == 504:
        return DeadlineExceededError(text)
    return VerimeshError(text, code or "INTERNAL")


class HttpTransport:
    """POST /v1/score over one kept-alive connection per thread (http.client is not thread-safe)."""

    name = "http"

    def __init__(self, url: str):
        u = urlsplit(url)
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.https = u.scheme == "https"
        self.base = (u.path or "").rstrip("/")
        self._local = threading.local()
        self._all: List[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _conn(self, timeout: float) -> http.client.HTTPConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            c = cls(self.host, self.port, timeout=timeout)
            self._local.conn = c
            with self._lock:
                self._all.append(c)
        c.timeout = timeout
        if c.sock is not None:
            c.sock.settimeout(timeout)
        return c

    def _drop(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def post(self, path: str, payload: Dict[str, Any], timeout: float) -> Dict[str, Any]:
        body = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("utf-8")
        c = self._conn(timeout)
        reused = c.sock is not None
        try:
            c.request("POST", self.base + path, body, {"content-type": "application/json", "connection": "keep-alive"})
            resp = c.getresponse()
            data = resp.read()
        except socket.timeout as e:
            self._drop()
            raise DeadlineExceededError(f"no answer from {self.host}:{self.port} within {timeout:.1f} s") from e
        except _CONNECTION_ERRORS as e:
            self._drop()
            raise Retryable(f"cannot reach the gateway at {self.host}:{self.port}: {e}", fresh=reused) from e
        if resp.getheader("connection", "").lower() == "close":
            self._drop()
        if resp.status != 200:
            raise _http_error(resp.status, data)
        return json.loads(data)

    def score(self, samples: List[Dict[str, Any]], timeout: float) -> Reply:
        out = self.post("/v1/score", {"samples": samples}, timeout)
        return out.get("results") or [], out.get("groups") or {}

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                c.close()
            self._all.clear()


class GrpcTransport:
    """RewardGatewayService over grpcio with the stubs shipped in verimesh.v1 (no protoc step)."""

    name = "grpc"

    def __init__(self, target: str):
        try:
            import grpc  # noqa: F401
            from .v1 import gateway_service_pb2 as gw
            from .v1 import gateway_service_pb2_grpc as gw_grpc
            from .v1 import sample_pb2 as pb
        except ImportError as e:
            raise ImportError(
                f"grpc:// needs grpcio and protobuf ({e}); install them (Debian: python3-grpcio python3-protobuf; "
                "pip: verimesh[grpc]) or use the HTTP address (http://host:8080)"
            ) from e
        self._grpc = grpc
        self._gw = gw
        self._pb = pb
        self.target = target
        # round_robin: a channel connects to every address the target resolves to and spreads its calls over them
        # (grpcio's default, pick_first, pins every call to one gateway pod behind a headless Service).
        options = [("grpc.lb_policy_name", "round_robin"), ("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]
        self._channel = grpc.insecure_channel(target, options=options)
        self._stub = gw_grpc.RewardGatewayServiceStub(self._channel)
        self._component_status = {v.number: v.name[len("COMPONENT_STATUS_"):].lower() for v in pb.ComponentStatus.DESCRIPTOR.values}
        self._result_status = {v.number: v.name[len("RESULT_STATUS_"):].lower() for v in pb.ResultStatus.DESCRIPTOR.values}

    # SPEC JSON -> verimesh.v1.Sample; free-form parts travel as JSON text.
    def _sample(self, s: Dict[str, Any]):
        pb = self._pb
        m = pb.Sample(id=str(s.get("id", "")), group=str(s.get("group") or ""), prompt=str(s.get("prompt") or ""), response=s.get("response") if isinstance(s.get("response"), str) else "")
        if s.get("reference") is not None:
            m.reference_json = json.dumps(s["reference"], allow_nan=False)
        if s.get("metadata") is not None:
            m.metadata_json = json.dumps(s["metadata"], allow_nan=False)
        if s.get("profile"):
            m.profile = s["profile"]
        for md in s.get("media") or []:
            m.media.add(kind=md.get("kind", ""), role=md.get("role", ""), uri=md.get("uri", ""), data_b64=md.get("data_b64", ""), mime=md.get("mime", ""))
        spec = s.get("reward")
        if spec:
            combine = spec.get("combine", "sum")
            if isinstance(combine, dict):
                m.reward.formula = combine.get("formula", "")
            else:
                m.reward.combine = combine
            for c in spec.get("components") or []:
                comp = m.reward.components.add(name=c.get("name", ""), verifier=c.get("verifier", ""))
                if "weight" in c:
                    comp.weight = c["weight"]
                if "reference" in c:
                    comp.reference_json = json.dumps(c["reference"], allow_nan=False)
                if "params" in c:
                    comp.params_json = json.dumps(c["params"], allow_nan=False)
                if "gate" in c:
                    comp.gate.min = c["gate"].get("min", 0)
                    if "value" in c["gate"]:
                        comp.gate.value = c["gate"]["value"]
                if "timeout_ms" in c:
                    comp.timeout_ms = c["timeout_ms"]
                if "on_error" in c:
                    comp.on_error.score = c["on_error"].get("score", 0)
        return m

    def _result(self, r) -> Dict[str, Any]:
        comps = {}
        for c in r.components:
            o = {"score": c.score, "status": self._component_status.get(c.status, "error"), "weight": c.weight, "contribution": c.contribution if c.HasField("contribution") else None, "latency_ms": c.latency_ms}
            if c.detail:
                o["detail"] = c.detail
            if c.metrics_json:
                o["metrics"] = json.loads(c.metrics_json)
            if c.flags:
                o["flags"] = list(c.flags)
            comps[c.name] = o
        out = {"id": r.id, "reward": r.reward, "status": self._result_status.get(r.status, "invalid"), "error": r.error or None, "components": comps, "flags": list(r.flags)}
        if r.metadata_json:
            out["metadata"] = json.loads(r.metadata_json)
        return out

    @staticmethod
    def _groups(groups) -> Dict[str, Any]:
        return {g.group: {"count": g.count, "mean": g.mean, "std": g.std, "min": g.min, "max": g.max, "all_equal": g.all_equal, "flags": dict(g.flags)} for g in groups}

    def _error(self, e) -> Exception:
        grpc = self._grpc
        code = e.code() if hasattr(e, "code") else None
        text = f"gateway answered {code.name if code else 'an error'}: {e.details() if hasattr(e, 'details') else e}"
        if code == grpc.StatusCode.UNAVAILABLE:
            return Retryable(text)
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            return RequestError(text)
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return OverloadedError(text)
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return DeadlineExceededError(text)
        return VerimeshError(text, code.name if code else "UNKNOWN")

    def score(self, samples: List[Dict[str, Any]], timeout: float) -> Reply:
        req = self._gw.ScoreRequest(samples=[self._sample(s) for s in samples])
        try:
            reply = self._stub.Score(req, timeout=timeout)
        except self._grpc.RpcError as e:
            raise self._error(e) from None
        return [self._result(r) for r in reply.results], self._groups(reply.groups)

    def stream(self, chunks: Iterable[List[Dict[str, Any]]], timeout: float) -> Iterator[Dict[str, Any]]:
        """ScoreStream: results as they complete (matched by id), whatever the order they were sent in."""
        reqs = (self._gw.ScoreStreamRequest(samples=[self._sample(s) for s in chunk]) for chunk in chunks)
        try:
            for msg in self._stub.ScoreStream(reqs, timeout=timeout):
                if msg.HasField("result"):
                    yield self._result(msg.result)
        except self._grpc.RpcError as e:
            raise self._error(e) from None

    def close(self) -> None:
        self._channel.close()


#: gRPC target names (github.com/grpc/grpc/blob/master/doc/naming.md) accepted as the url itself.
GRPC_TARGET_SCHEMES = ("dns", "ipv4", "ipv6", "unix")


def grpc_target(url: str) -> str:
    """The gRPC target a url names: grpc://host:port -> dns:///host:port (every address the name resolves to, the
    port defaulting to 50051); a gRPC target name (dns:[//dns-server/]host:port, ipv4:a:p[,b:p...],
    ipv6:[a]:p[,...], unix:path) as it is, a dns: target with its port (gRPC's own default, 443, is never the gateway's)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "grpc":
        u = urlsplit(url)
        if not u.hostname or u.path not in ("", "/"):
            raise ValueError(f"url {url!r}: a gRPC address is grpc://host:port (for several addresses use ipv4:a:port,b:port or dns:///name:port)")
        host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
        return f"dns:///{host}:{u.port or 50051}"
    if scheme == "dns":
        name = url[4:]
        if name.startswith("//"):
            name = name[2:].split("/", 1)[1] if "/" in name[2:] else ""
        if not re.search(r"(^|[^:]):\d+$", name):
            raise ValueError(f"url {url!r}: a dns: target needs its port (dns:///host:50051)")
    return url


def make_transport(url: str):
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return HttpTransport(url)
    if scheme == "grpc" or scheme in GRPC_TARGET_SCHEMES:
        return GrpcTransport(grpc_target(url))
    raise ValueError(f"url {url!r}: use http://host:8080 (HTTP, the default), grpc://host:50051 or a gRPC target such as dns:///name:50051 or ipv4:a:50051,b:50051 (gRPC, needs grpcio)")


def call_with_retries(fn, deadline: float):
    """Runs fn(timeout) until it succeeds or the deadline passes; retries only what is Retryable (UNAVAILABLE and
    connection errors), with backoff 50 ms doubling to 1 s, never past the deadline."""
    delay = 0.05
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceededError("the call's deadline passed before the gateway answered")
        try:
            return fn(left)
        except Retryable as e:
            if e.fresh:
                continue  # the server had closed our idle kept-alive connection: a new one, at once
            left = deadline - time.monotonic()
            if left <= delay:
                raise UnavailableError(f"{e} (retried until the deadline)") from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
