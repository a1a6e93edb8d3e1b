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
from _thread import allocate_lock
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Deque, Dict, List, Optional

from ._plain import plain_sample
from .client import Client, apply_on_invalid, check_on_invalid
from .types import INVALID, Result


class _Item:
    """One queued sample and how its caller gets its outcome: a Future (submit, score_async), or, for score(), a lock
    the caller sleeps on until the sender releases it (one wake-up per caller: no Future, no Condition)."""

    __slots__ = ("wire", "mode", "at", "future", "done", "result", "error")

    def __init__(self, wire: Dict[str, Any], mode: str, at: float, future: Optional[Future]):
        self.wire, self.mode, self.at, self.future = wire, mode, at, future
        self.done = None
        if future is None:
            self.done = allocate_lock()
            self.done.acquire()
        self.result: Optional[Result] = None
        self.error: Optional[BaseException] = None

    def resolve(self, result: Optional[Result], error: Optional[BaseException]) -> None:
        if self.future is not None:
            if error is None:
                self.future.set_result(result)
            else:
                self.future.set_exception(error)
        else:
            self.result, self.error = result, error
            self.done.release()


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
        self.max_in_flight = max_in_flight
        #: Samples queued or being scored (under _cond's lock, as are the queue and _closed).
        self._in_flight = 0
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # the dispatcher waits on it for samples
        self._space = threading.Condition(lock)  # callers wait on it for room under max_in_flight
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
        fut: "Future[Result]" = Future()
        fut.set_running_or_notify_cancel()  # in flight from here on: its sample is sent whatever happens
        self._enqueue(sample, on_invalid, fut, True)
        return fut

    def score(self, sample: Dict[str, Any], *, on_invalid: Optional[str] = None) -> Result:
        item = self._enqueue(sample, on_invalid, None, True)
        assert item is not None and item.done is not None
        item.done.acquire()  # released by the sender once this sample's result or error is set
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]

    def score_many(self, samples: List[Dict[str, Any]], *, on_invalid: Optional[str] = None) -> List[Result]:
        """Several samples of one caller, coalesced with everyone else's; results in order, the first error raised."""
        futures = [self.submit(s, on_invalid) for s in samples]
        return [f.result() for f in futures]

    async def score_async(self, sample: Dict[str, Any], *, on_invalid: Optional[str] = None) -> Result:
        fut: "Future[Result]" = Future()
        fut.set_running_or_notify_cancel()
        if self._enqueue(sample, on_invalid, fut, False) is None:  # max_in_flight reached: wait off the event loop
            await asyncio.get_running_loop().run_in_executor(None, self._enqueue, sample, on_invalid, fut, True)
        return await asyncio.wrap_future(fut)

    async def score_many_async(self, samples: List[Dict[str, Any]], *, on_invalid: Optional[str] = None) -> List[Result]:
        return list(await asyncio.gather(*(self.score_async(s, on_invalid=on_invalid) for s in samples)))

    def close(self) -> None:
        """Sends what is queued, then stops the dispatcher thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            self._space.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._senders.shutdown(wait=True)

    # -- inside ----------------------------------------------------------------------------------------------------
    def _enqueue(self, sample: Dict[str, Any], on_invalid: Optional[str], fut: Optional[Future], block: bool) -> Optional[_Item]:
        """Queues a sample, waiting while max_in_flight are in flight (or, with block False, returning None)."""
        try:
            mode = check_on_invalid(on_invalid or self.client.on_invalid)
            wire = plain_sample(sample, 0)
        except Exception as e:
            item = _Item({}, "", 0.0, fut)
            item.resolve(None, e)
            return item
        with self._cond:
            while self._in_flight >= self.max_in_flight and not self._closed:
                if not block:
                    return None
                self._space.wait()
            if self._closed:
                raise RuntimeError("the batcher is closed")
            self._in_flight += 1
            self._last = now = time.monotonic()
            item = _Item(wire, mode, now, fut)
            self._queue.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="verimesh-batcher", daemon=True)
                self._thread.start()
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()
        return item

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
                    left = min(self._queue[0].at + self.max_wait, self._last + self.idle) - now
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
            wire = [dict(item.wire, id=str(i)) for i, item in enumerate(batch)]
            with self._cond:
                self.calls += 1
            try:
                results, _groups = self.client._call(wire)
            except BaseException as e:  # a failed call belongs to every caller in it
                for item in batch:
                    item.resolve(None, e)
                return
            from_json = Result.from_json
            for item, rj in zip(batch, results):
                rj["id"] = item.wire.get("id", "")
                result = from_json(rj)
                if result.status == INVALID and item.mode != "score":
                    try:
                        result = apply_on_invalid([result], item.mode)[0]
                    except BaseException as e:  # an invalid sample belongs to its caller only
                        item.resolve(None, e)
                        continue
                item.resolve(result, None)
        finally:
            with self._cond:
                self._in_flight -= len(batch)
                self._space.notify(len(batch))
            self._batches.release()
