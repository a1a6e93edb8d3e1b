"""The batcher: coalesces concurrent per-sample calls (threads and asyncio tasks alike) into one gateway call.

Trainers such as verl's reward loop, OpenRLHF and NeMo Gym ask for one rollout's reward at a time, from many threads
or tasks at once; one gateway call per rollout costs an order of magnitude in throughput. The batcher queues each
call, sends what has queued as one batch when `max_batch` samples wait, `max_wait_ms` after the first one arrived, or
once arrivals pause for `idle_ms` (a lone caller waits at most idle_ms), runs up to `concurrency` batches at once (while they run,
new calls queue up into the next batch), hands each caller its own result, and delivers every error to the callers
it belongs to: a failed call to everyone in that batch, an invalid sample to its own caller only.
"""
import asyncio
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Deque, Dict, List, Optional, Tuple

from ._plain import plain_sample
from .client import Client, apply_on_invalid, check_on_invalid
from .types import Result

_Item = Tuple[Dict[str, Any], Future, str, float]  # (wire sample, its future, on_invalid, enqueued at)


class Batcher:
    """Coalesces per-sample calls into batches. Thread-safe and usable from any number of event loops.

    max_batch: the largest batch sent. max_wait_ms: how long the first queued sample waits for company.
    idle_ms: a batch also goes out once no new sample arrived for this long (the burst is over).
    max_in_flight: samples queued or being scored at once; beyond it callers wait (threads block, tasks await).
    concurrency: batches in flight at once.
    """

    def __init__(self, client: Optional[Client] = None, max_batch: int = 256, max_wait_ms: float = 2.0, max_in_flight: int = 4096, concurrency: int = 4, idle_ms: float = 0.5):
        if max_batch < 1 or max_in_flight < 1 or concurrency < 1:
            raise ValueError("max_batch, max_in_flight and concurrency must be at least 1")
        self.client = client or Client()
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.idle = min(self.max_wait, idle_ms / 1000.0)
        self._last = 0.0
        self._queue: Deque[_Item] = deque()
        self._cond = threading.Condition()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._batches = threading.BoundedSemaphore(concurrency)
        self._thread: Optional[threading.Thread] = None
        # Long-lived senders: each keeps its kept-alive connection to the gateway from batch to batch.
        self._senders = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="verimesh-batch")
        self._closed = False
        #: How many gateway calls the batcher made (tests and benchmarks read it).
        self.calls = 0

    # -- callers ---------------------------------------------------------------------------------------------------
    def submit(self, sample: Dict[str, Any], on_invalid: Optional[str] = None) -> "Future[Result]":
        """Queues one sample; the future resolves to its Result (or raises its error). Blocks while max_in_flight are queued."""
        self._slots.acquire()
        return self._enqueue(sample, on_invalid)

    def score(self, sample: Dict[str, Any], *, on_invalid: Optional[str] = None) -> Result:
        return self.submit(sample, on_invalid).result()

    def score_many(self, samples: List[Dict[str, Any]], *, on_invalid: Optional[str] = None) -> List[Result]:
        """Several samples of one caller, coalesced with everyone else's; results in order, the first error raised."""
        futures = [self.submit(s, on_invalid) for s in samples]
        return [f.result() for f in futures]

    async def score_async(self, sample: Dict[str, Any], *, on_invalid: Optional[str] = None) -> Result:
        if not self._slots.acquire(blocking=False):
            await asyncio.get_running_loop().run_in_executor(None, self._slots.acquire)
        return await asyncio.wrap_future(self._enqueue(sample, on_invalid))

    async def score_many_async(self, samples: List[Dict[str, Any]], *, on_invalid: Optional[str] = None) -> List[Result]:
        return list(await asyncio.gather(*(self.score_async(s, on_invalid=on_invalid) for s in samples)))

    def close(self) -> None:
        """Sends what is queued, then stops the dispatcher thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._senders.shutdown(wait=True)

    # -- inside ----------------------------------------------------------------------------------------------------
    def _enqueue(self, sample: Dict[str, Any], on_invalid: Optional[str]) -> "Future[Result]":
        fut: "Future[Result]" = Future()
        try:
            mode = check_on_invalid(on_invalid or self.client.on_invalid)
            wire = plain_sample(sample, 0)
        except Exception as e:
            self._slots.release()
            fut.set_exception(e)
            return fut
        with self._cond:
            if self._closed:
                self._slots.release()
                raise RuntimeError("the batcher is closed")
            fut.add_done_callback(lambda _f: self._slots.release())
            self._last = time.monotonic()
            self._queue.append((wire, fut, mode, self._last))
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="verimesh-batcher", daemon=True)
                self._thread.start()
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()
        return fut

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                # Wait for company until the batch is full, max_wait after its first sample, or as soon as arrivals
                # pause for `idle` (a burst of callers is over: waiting longer only adds latency).
                while len(self._queue) < self.max_batch and not self._closed:
                    now = time.monotonic()
                    left = min(self._queue[0][3] + self.max_wait, self._last + self.idle) - now
                    if left <= 0:
                        break
                    self._cond.wait(left)
                n = min(self.max_batch, len(self._queue))
                batch = [self._queue.popleft() for _ in range(n)]
            self._batches.acquire()  # while `concurrency` batches run, the next one keeps filling
            # Later calls may have queued meanwhile: top the batch up.
            with self._cond:
                while len(batch) < self.max_batch and self._queue:
                    batch.append(self._queue.popleft())
            self._senders.submit(self._send, batch)

    def _send(self, batch: List[_Item]) -> None:
        try:
            # Ids are only unique per caller: the batch goes out under positional ids, and each result gets its own back.
            wire = [dict(s, id=str(i)) for i, (s, _f, _m, _t) in enumerate(batch)]
            with self._cond:
                self.calls += 1
            try:
                results, _groups = self.client._call(wire)
            except BaseException as e:  # a failed call belongs to every caller in it
                for _s, f, _m, _t in batch:
                    f.set_exception(e)
                return
            for (s, f, mode, _t), rj in zip(batch, results):
                rj["id"] = s.get("id", "")
                try:
                    f.set_result(apply_on_invalid([Result.from_json(rj)], mode)[0])
                except BaseException as e:  # an invalid sample belongs to its caller only
                    f.set_exception(e)
        finally:
            self._batches.release()
