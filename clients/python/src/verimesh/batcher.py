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
from concurrent.futures import Future
from typing import Any, Deque, Dict, List, Optional

from ._plain import plain_sample
from .client import Client, apply_on_invalid, check_on_invalid
from .errors import VerimeshError
from .types import INVALID, Result


class _Item:
    """One queued sample and how its caller hears of its outcome, by kind of caller: score() (a thread) sleeps on a
    lock the sender releases (one wake-up per caller: no Future, no Condition); score_async() (a task) awaits a
    future of its own event loop, which the sender sets on that loop, one hand-over per batch and loop (a
    concurrent.futures Future wrapped for the loop costs a hand-over per task); submit() gets a concurrent.futures
    Future."""

    __slots__ = ("wire", "mode", "at", "future", "loop", "done", "result", "error")

    def __init__(self, wire: Dict[str, Any], mode: str, at: float, future: Any, loop: Optional[asyncio.AbstractEventLoop]):
        self.wire, self.mode, self.at, self.future, self.loop = wire, mode, at, future, loop
        self.done = None
        if future is None:
            self.done = allocate_lock()
            self.done.acquire()
        self.result: Optional[Result] = None
        self.error: Optional[BaseException] = None

    def resolve(self, result: Optional[Result], error: Optional[BaseException]) -> None:
        """Sets the outcome: a thread is woken and a submit() Future set now, a task's future by _deliver()."""
        if self.future is None or self.loop is not None:
            self.result, self.error = result, error
            if self.done is not None:
                self.done.release()
        elif error is None:
            self.future.set_result(result)
        else:
            self.future.set_exception(error)


def _set_futures(items: List[_Item]) -> None:
    """On an event loop: sets its tasks' futures (a task cancelled meanwhile is left alone)."""
    for item in items:
        if not item.future.done():
            if item.error is None:
                item.future.set_result(item.result)
            else:
                item.future.set_exception(item.error)


def _deliver(items: List[_Item]) -> None:
    """Sets the futures of the settled items' tasks, once per event loop."""
    loops: Dict[asyncio.AbstractEventLoop, List[_Item]] = {}
    for item in items:
        if item.loop is not None:
            loops.setdefault(item.loop, []).append(item)
    for loop, mine in loops.items():
        try:
            loop.call_soon_threadsafe(_set_futures, mine)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


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
        self._cond = threading.Condition(lock)  # the senders wait on it for samples
        self._space = threading.Condition(lock)  # callers wait on it for room under max_in_flight
        # `concurrency` long-lived sender threads, started with the first sample: each takes the next batch from the
        # queue and sends it itself (no hand-over to another thread), over its own kept-alive connection.
        self.concurrency = concurrency
        self._senders: List[threading.Thread] = []
        self._closed = False
        #: How many gateway calls the batcher made (tests and benchmarks read it).
        self.calls = 0

    # -- callers ---------------------------------------------------------------------------------------------------
    def submit(self, sample: Dict[str, Any], on_invalid: Optional[str] = None) -> "Future[Result]":
        """Queues one sample; the future resolves to its Result (or raises its error). Blocks while max_in_flight are queued."""
        fut: "Future[Result]" = Future()
        fut.set_running_or_notify_cancel()  # in flight from here on: its sample is sent whatever happens
        self._enqueue(sample, on_invalid, fut, None, True)
        return fut

    def score(self, sample: Dict[str, Any], *, on_invalid: Optional[str] = None) -> Result:
        item = self._enqueue(sample, on_invalid, None, None, True)
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
        loop = asyncio.get_running_loop()
        fut: "asyncio.Future[Result]" = loop.create_future()
        if self._enqueue(sample, on_invalid, fut, loop, False) is None:  # max_in_flight reached: wait off the event loop
            await loop.run_in_executor(None, self._enqueue, sample, on_invalid, fut, loop, True)
        return await fut

    async def score_many_async(self, samples: List[Dict[str, Any]], *, on_invalid: Optional[str] = None) -> List[Result]:
        return list(await asyncio.gather(*(self.score_async(s, on_invalid=on_invalid) for s in samples)))

    def close(self) -> None:
        """Sends what is queued, then stops the sender threads."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            self._space.notify_all()
        for t in self._senders:
            t.join()

    # -- inside ----------------------------------------------------------------------------------------------------
    def _enqueue(self, sample: Dict[str, Any], on_invalid: Optional[str], fut: Any, loop: Optional[asyncio.AbstractEventLoop], block: bool) -> Optional[_Item]:
        """Queues a sample, waiting while max_in_flight are in flight (or, with block False, returning None)."""
        try:
            mode = check_on_invalid(on_invalid or self.client.on_invalid)
            wire = plain_sample(sample, 0)
        except Exception as e:
            item = _Item({}, "", 0.0, fut, loop)
            item.resolve(None, e)
            _deliver([item])
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
            item = _Item(wire, mode, now, fut, loop)
            self._queue.append(item)
            if not self._senders:
                for i in range(self.concurrency):
                    t = threading.Thread(target=self._sender, name=f"verimesh-batch-{i}", daemon=True)
                    t.start()
                    self._senders.append(t)
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()
        return item

    def _sender(self) -> None:
        q = self._queue
        while True:
            with self._cond:
                while not q and not self._closed:
                    self._cond.wait()
                if not q:
                    return
                # Wait for company until the batch is full, max_wait after its first sample, or as soon as arrivals
                # pause for `idle` (a burst of callers is over: waiting longer only adds latency). While every sender
                # is busy, the queue keeps filling: the next free one finds its batch waiting.
                while len(q) < self.max_batch and not self._closed:
                    left = min(q[0].at + self.max_wait, self._last + self.idle) - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                    if not q:  # another sender took it
                        break
                batch = [q.popleft() for _ in range(min(self.max_batch, len(q)))]
                if q:
                    self._cond.notify()  # what is left is the next sender's
            if batch:
                self._send(batch)

    def _send(self, batch: List[_Item]) -> None:
        try:
            # Ids are only unique per caller: the batch goes out under positional ids, and each result gets its own back.
            wire = [dict(item.wire, id=str(i)) for i, item in enumerate(batch)]
            with self._cond:
                self.calls += 1
            try:
                results, _groups = self.client._call(wire)
                if len(results) != len(batch):
                    raise VerimeshError(f"the gateway answered {len(results)} results for {len(batch)} samples", "INTERNAL")
            except BaseException as e:  # a failed call belongs to every caller in it
                for item in batch:
                    item.resolve(None, e)
                return
            from_json = Result.from_json
            for item, rj in zip(batch, results):
                try:
                    rj["id"] = item.wire.get("id", "")
                    result = from_json(rj)
                    if result.status == INVALID and item.mode != "score":
                        result = apply_on_invalid([result], item.mode)[0]
                except BaseException as e:  # an invalid sample belongs to its caller only
                    item.resolve(None, e)
                    continue
                item.resolve(result, None)
        finally:
            with self._cond:
                self._in_flight -= len(batch)
                self._space.notify(len(batch))
            _deliver(batch)
