"""The client: score a batch, await a batch, or stream results as they complete, over HTTP or gRPC."""
import asyncio
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any, Dict, Iterable, Iterator, List, Optional

from ._plain import plain_sample
from ._transport import call_with_retries, make_transport
from .errors import InvalidSampleError
from .types import INVALID, BatchResult, GroupStats, Result

DEFAULT_URL = "http://127.0.0.1:8080"
ON_INVALID = ("raise", "none", "score")


def gateway_url(url: Optional[str] = None) -> str:
    """The gateway's address: `url`, else $VERIMESH_URL, else http://127.0.0.1:8080 (PLAN D7)."""
    return url or os.environ.get("VERIMESH_URL") or DEFAULT_URL


def check_on_invalid(mode: str) -> str:
    if mode not in ON_INVALID:
        raise ValueError(f"on_invalid: {mode!r} is not one of {', '.join(ON_INVALID)}")
    return mode


def apply_on_invalid(results: List[Result], mode: str) -> List[Result]:
    """"raise": InvalidSampleError naming the first invalid sample; "none": their reward becomes None; "score": as is."""
    if mode == "score":
        return results
    bad = [r for r in results if r.status == INVALID]
    if not bad:
        return results
    if mode == "raise":
        raise InvalidSampleError(bad[0], bad)
    return [replace(r, reward=None) if r.status == INVALID else r for r in results]


class Client:
    """A gateway client. Thread-safe; one kept-alive HTTP connection per thread.

    url: http://host:8080 (HTTP, standard library) or grpc://host:50051 (gRPC through grpcio); default $VERIMESH_URL,
    else http://127.0.0.1:8080. timeout: seconds for a whole call, retries included. on_invalid: what an `invalid`
    result does: "raise" (InvalidSampleError), "none" (reward None), "score" (its reward, 0, as is).
    """

    def __init__(self, url: Optional[str] = None, timeout: float = 60.0, on_invalid: str = "raise"):
        self.url = gateway_url(url)
        self.timeout = float(timeout)
        self.on_invalid = check_on_invalid(on_invalid)
        self._transport = make_transport(self.url)
        self._pool: Optional[ThreadPoolExecutor] = None
        self._pool_lock = threading.Lock()
        #: Gateway calls made (score and stream chunks); tests and benchmarks read it.
        self.calls = 0

    @property
    def transport(self) -> str:
        return self._transport.name

    def score_batch(self, samples: List[Dict[str, Any]], *, timeout: Optional[float] = None, on_invalid: Optional[str] = None) -> BatchResult:
        """Scores a batch: one Result per sample, in request order, and statistics per group."""
        results, groups = self._call([plain_sample(s, i) for i, s in enumerate(samples)], timeout)
        out = [Result.from_json(r) for r in results]
        out = apply_on_invalid(out, check_on_invalid(on_invalid or self.on_invalid))
        return BatchResult(out, {g: GroupStats.from_json(s) for g, s in groups.items()})

    def score(self, samples: List[Dict[str, Any]], *, timeout: Optional[float] = None, on_invalid: Optional[str] = None) -> List[Result]:
        """Scores a batch: one Result per sample, in request order."""
        return self.score_batch(samples, timeout=timeout, on_invalid=on_invalid).results

    def _call(self, wire: List[Dict[str, Any]], timeout: Optional[float] = None):
        """One gateway call for samples already in wire form: (results JSON, groups JSON), retried as documented."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        with self._pool_lock:
            self.calls += 1
        return call_with_retries(lambda left: self._transport.score(wire, left), deadline)

    async def score_async(self, samples: List[Dict[str, Any]], *, timeout: Optional[float] = None, on_invalid: Optional[str] = None) -> List[Result]:
        """score() for asyncio code: the call runs on a worker thread, the event loop stays free."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), lambda: self.score(samples, timeout=timeout, on_invalid=on_invalid))

    def stream(self, samples: Iterable[Dict[str, Any]], *, chunk: int = 64, concurrency: int = 4, timeout: Optional[float] = None, on_invalid: Optional[str] = None) -> Iterator[Result]:
        """Yields results as they complete (match them by id). Over gRPC this is ScoreStream; over HTTP, chunks of
        `chunk` samples go out `concurrency` at a time and each chunk's results are yielded when it returns."""
        mode = check_on_invalid(on_invalid or self.on_invalid)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)

        def chunks() -> Iterator[List[Dict[str, Any]]]:
            buf: List[Dict[str, Any]] = []
            for i, s in enumerate(samples):
                buf.append(plain_sample(s, i))
                if len(buf) >= chunk:
                    yield buf
                    buf = []
            if buf:
                yield buf

        if hasattr(self._transport, "stream"):
            for r in self._transport.stream(chunks(), max(0.001, deadline - time.monotonic())):
                yield apply_on_invalid([Result.from_json(r)], mode)[0]
            return
        pending = set()
        it = chunks()
        pool = self._executor()
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < concurrency:
                try:
                    c = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending.add(pool.submit(lambda c=c: call_with_retries(lambda left: self._transport.score(c, left), deadline)))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                for r in apply_on_invalid([Result.from_json(r) for r in f.result()[0]], mode):
                    yield r

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="verimesh")
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self._transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
