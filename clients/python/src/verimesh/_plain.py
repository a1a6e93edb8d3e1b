"""Turns what trainers hand over (numpy arrays and scalars from parquet, tuples, int ids) into plain JSON values."""
import math
from typing import Any, Dict


def plain(x: Any) -> Any:
    """A JSON-ready copy of x: numpy arrays become lists, numpy scalars Python numbers, tuples and sets lists,
    mapping keys strings. Non-finite floats are refused (JSON has no NaN), naming where they were."""
    return _checked(x, "value")


def _checked(x: Any, where: str) -> Any:
    # The fast walk builds no paths; only when it meets something it does not take does the walk that names where
    # run (its error is the one raised, or it converts what the fast walk leaves to it: numpy, subclasses, bytes).
    try:
        return _fast(x)
    except _Other:
        return _plain(x, where)


class _Other(Exception):
    pass


_inf = math.inf


def _fast(x: Any) -> Any:
    t = type(x)
    if t is str or t is int or x is None or t is bool:
        return x
    if t is float:
        if x == _inf or x == -_inf or x != x:
            raise _Other
        return x
    if t is dict:
        return {k if type(k) is str else str(k): _fast(v) for k, v in x.items()}
    if t is list:
        return [_fast(v) for v in x]
    raise _Other


def _plain(x: Any, where: str) -> Any:
    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{where}: {x} is not a finite number (JSON has no NaN or infinity)")
        return x
    if isinstance(x, dict):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(x)]
    # numpy (without importing it): ndarray has tolist(); numpy scalars have item().
    tolist = getattr(x, "tolist", None)
    if callable(tolist):
        return _plain(tolist(), where)
    item = getattr(x, "item", None)
    if callable(item):
        return _plain(item(), where)
    if isinstance(x, bytes):
        return x.decode("utf-8")
    raise TypeError(f"{where}: {type(x).__name__} cannot be sent as JSON")


def plain_sample(sample: Dict[str, Any], index: int) -> Dict[str, Any]:
    """One sample as SPEC section 1 JSON. An int id is sent as its decimal string (the SPEC's ids are strings)."""
    if not isinstance(sample, dict):
        raise TypeError(f"samples[{index}]: a sample is a dict (SPEC section 1), got {type(sample).__name__}")
    out = _checked(sample, f"samples[{index}]")
    sid = out.get("id")
    if isinstance(sid, int) and not isinstance(sid, bool):
        out["id"] = str(sid)
    return out
