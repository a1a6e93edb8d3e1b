"""What every adapter shares: settings from the environment, one client and one batcher per process, ground truth
to sample fields, conversation text, groups, and NeMo-RL's reward == Σ components rule.

Adapters that trainers load by file path (OpenRLHF, EasyR1) import this module absolutely, so a module loaded twice
(by path and by name) still shares one batcher.
"""
import base64
import hashlib
import io
import json
import math
import os
import threading
from concurrent.futures import Future
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence

from verimesh._plain import plain
from verimesh.batcher import Batcher
from verimesh.client import Client, gateway_url
from verimesh.types import INVALID, Result

#: Sample fields that a ground truth (dict or JSON text) may carry besides the reference itself.
SAMPLE_FIELDS = ("reference", "reward", "profile", "group", "prompt", "media", "metadata")

_lock = threading.Lock()
_clients: Dict[Hashable, Client] = {}
_batchers: Dict[Hashable, Batcher] = {}


def setting(name: str, value: Any = None, default: Any = None) -> Any:
    """An adapter setting: the argument, else $VERIMESH_<NAME>, else the default."""
    if value is not None:
        return value
    return os.environ.get(f"VERIMESH_{name.upper()}", default)


def client(url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None) -> Client:
    """The process's client for these settings (created once)."""
    key = (gateway_url(url), setting("on_invalid", on_invalid, "raise"), float(setting("timeout", timeout, 60.0)))
    with _lock:
        c = _clients.get(key)
        if c is None:
            c = _clients[key] = Client(key[0], timeout=key[2], on_invalid=key[1])
        return c


def batcher(url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None) -> Batcher:
    """The process's batcher for these settings (created once), shared by every per-sample adapter."""
    c = client(url, on_invalid, timeout)
    with _lock:
        b = _batchers.get(id(c))
        if b is None:
            b = _batchers[id(c)] = Batcher(c)
        return b


def sample_fields(ground_truth: Any, profile: Optional[str] = None) -> Dict[str, Any]:
    """Ground truth as sample fields (SPEC section 1).

    A dict (or JSON text of one; numpy arrays and scalars from parquet are converted) that names any of
    `reference`, `reward`, `profile`, `group`, `prompt`, `media`, `metadata` gives those fields; any other dict is the
    reference itself. Anything else (a plain answer: text, a number, a list) becomes `reference.answer`. The profile
    applies unless the ground truth brings its own `reward` or `profile`.
    """
    gt = plain(ground_truth)
    if isinstance(gt, str):
        try:
            parsed = json.loads(gt)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            gt = parsed
    if isinstance(gt, dict):
        fields = {k: gt[k] for k in SAMPLE_FIELDS if k in gt} if any(k in gt for k in SAMPLE_FIELDS) else {"reference": gt}
    elif gt is None:
        fields = {}
    else:
        fields = {"reference": {"answer": gt}}
    if profile and "reward" not in fields and "profile" not in fields:
        fields["profile"] = profile
    return fields


def text_of(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content if not isinstance(p, dict) or p.get("type", "text") == "text")
    return str(content)


def completion_text(completion: Any) -> str:
    """A completion: plain text, or a conversation whose last assistant message is the response."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return text_of(completion.get("content"))
    if isinstance(completion, (list, tuple)):
        for m in reversed(completion):
            if isinstance(m, dict) and m.get("role", "assistant") == "assistant":
                return text_of(m.get("content"))
        return ""
    return str(completion)


def prompt_text(prompt: Any) -> str:
    """A prompt: plain text, or a conversation whose last user message is what judges read."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, (list, tuple)):
        for m in reversed(prompt):
            if isinstance(m, dict) and m.get("role") == "user":
                return text_of(m.get("content"))
    return ""


def group_of(prompt: Any) -> str:
    """A GRPO group id from the prompt: rollouts of the same prompt share it."""
    text = prompt if isinstance(prompt, str) else json.dumps(_strip_images(prompt), sort_keys=True, default=str)
    return "p-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _strip_images(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: ("<image>" if k == "image" else _strip_images(v)) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_strip_images(v) for v in x]
    return x


def image_media(image: Any) -> Dict[str, Any]:
    """A PIL image (or raw PNG/JPEG bytes) as an input media entry, PNG base64."""
    if isinstance(image, (bytes, bytearray)):
        data, mime = bytes(image), "image/png" if bytes(image[:4]) == b"\x89PNG" else "image/jpeg"
    elif hasattr(image, "save"):
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        data, mime = buf.getvalue(), "image/png"
    elif isinstance(image, str):
        return {"kind": "image", "role": "input", "uri": image if "://" in image else "file://" + os.path.abspath(image)}
    else:
        raise TypeError(f"an image is a PIL image, bytes or a path, got {type(image).__name__}")
    return {"kind": "image", "role": "input", "data_b64": base64.b64encode(data).decode("ascii"), "mime": mime}


def score_value(result: Result) -> float:
    """The reward as a float: NaN for an invalid sample under on_invalid "none" (reward None)."""
    return result.reward_or_nan()


def component_values(result: Result, names: Iterable[str]) -> Dict[str, float]:
    """Each named component's score (0 where the result lacks it; NaN everywhere when the reward is None)."""
    if result.reward is None:
        return {n: math.nan for n in names}
    return {n: result.components[n].score if n in result.components else 0.0 for n in names}


def residual_name(names: Iterable[str]) -> str:
    name = "residual"
    taken = set(names)
    while name in taken:
        name = "_" + name
    return name


def summed_components(result: Result) -> Dict[str, float]:
    """Components that sum to the reward in every combine mode (NeMo-RL checks reward == Σ reward_components):
    each component's `contribution` (wᵢ·sᵢ for sum, wᵢ·sᵢ/Σ|wᵢ| for mean, 0 after a fired gate; null for min, product
    and formulas counts 0), and a `residual` component carrying reward − Σ contributions (0 for sum and mean without
    a fired gate, the whole reward for min, product and formulas, the gate's value when a gate fired)."""
    reward = score_value(result)
    out = {n: (c.contribution if c.contribution is not None else 0.0) for n, c in result.components.items()}
    rest = reward - math.fsum(out.values())
    if abs(rest) <= 1e-12 * max(1.0, abs(reward)):
        rest = 0.0
    if math.isnan(reward):
        out = {n: math.nan for n in out}
    out[residual_name(out)] = rest
    return out


class SharedResults:
    """One gateway call per batch shared by several trainer callbacks (the main reward and its per-component views):
    the first callback for a batch makes the call, the others, sync or async, get the same results."""

    def __init__(self, keep: int = 4):
        self._lock = threading.Lock()
        self._entries: Dict[Hashable, Future] = {}
        self._keep = keep

    def get(self, key: Hashable, compute: Callable[[], List[Result]]) -> List[Result]:
        with self._lock:
            fut = self._entries.get(key)
            mine = fut is None
            if mine:
                fut = self._entries[key] = Future()
                while len(self._entries) > self._keep:
                    self._entries.pop(next(iter(self._entries)))
        if mine:
            try:
                fut.set_result(compute())
            except BaseException as e:
                fut.set_exception(e)
                with self._lock:
                    self._entries.pop(key, None)  # a failed call is not kept: the next callback tries again
        return fut.result()


def batch_key(*parts: Sequence[Any]) -> Hashable:
    return tuple(hashlib.sha1(json.dumps(p, sort_keys=True, default=repr).encode("utf-8")).hexdigest() for p in parts)
