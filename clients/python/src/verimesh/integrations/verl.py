"""verl: `compute_score` for verl's custom reward function, per sample (reward loop) or per batch (BatchRewardManager).

Written against verl 0.8.0.dev (volcengine/verl main, commit b178a3c, 2026-01-29):
- verl/experimental/reward_loop/reward_manager/naive.py `NaiveRewardManager.run_single` calls
  `compute_score(data_source=, solution_str=, ground_truth=, extra_info=, **extra_reward_kwargs)` once per sample,
  in the event loop's thread pool (sync functions) or awaited (coroutine functions); a dict result gives "score"
  and every other key into reward_extra_info.
- verl/workers/reward_manager/batch.py `BatchRewardManager.verify` calls the same function name with
  `data_sources=, solution_strs=, ground_truths=, extra_infos=` (numpy object arrays from the parquet) and collects
  every key of every dict, so each sample must return the same keys.
- verl/trainer/ppo/reward.py `get_custom_reward_fn` loads `custom_reward_function.path`/`.name` and merges
  `custom_reward_function.reward_kwargs` into every call.

Config: custom_reward_function.path=pkg://verimesh.integrations.verl custom_reward_function.name=compute_score
(`compute_score_async` for the coroutine form). `data_source` names the gateway profile; reward_kwargs
`profiles={data_source: profile}` remaps, `profile=NAME` forces one; `url`, `on_invalid`, `timeout` as for the Client.
Keys: "score" and the components of the sample's data source (per sample; a batch gets the union of its rows'
components, 0 where a profile lacks one); `keys=[...]` fixes them for runs that mix profiles in the reward loop.
`extra_info["index"]` (the dataset row, shared by a prompt's rollouts) becomes the sample's group.
"""
import threading
from typing import Any, Dict, List, Optional

from verimesh.integrations._common import batcher, client, component_values, sample_fields, score_value
from verimesh.types import Result

_known_keys: Dict[str, List[str]] = {}
_keys_lock = threading.Lock()


def _profile(data_source: Any, profile: Optional[str], profiles: Optional[Dict[str, str]]) -> Optional[str]:
    if profile:
        return profile
    ds = None if data_source is None else str(data_source)
    return (profiles or {}).get(ds, ds) if ds is not None else None


def _sample(i: int, data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any, profile: Optional[str], profiles: Optional[Dict[str, str]]) -> Dict[str, Any]:
    s = {"id": str(i), "response": solution_str, **sample_fields(ground_truth, _profile(data_source, profile, profiles))}
    info = extra_info if isinstance(extra_info, dict) else {}
    # verl's dataset row index is shared by the n rollouts of a prompt: the GRPO group.
    if "group" not in s and info.get("index") is not None:
        s["group"] = f"{data_source}/{info['index']}"
    return s


def _remember(result: Result, data_source: Any) -> None:
    if result.components:
        with _keys_lock:
            known = _known_keys.setdefault(str(data_source), [])
            known.extend(n for n in result.components if n not in known)


def _row(result: Result, data_source: Any, keys: Optional[List[str]] = None) -> Dict[str, float]:
    """{"score", <component>...}: the same keys for every sample of a data source, also for invalid ones (a sample
    whose spec did not compile has no components: it gets the keys seen for its data source, valued 0 or NaN)."""
    if keys is not None:
        names = list(keys)
    else:
        _remember(result, data_source)
        with _keys_lock:
            names = list(_known_keys.get(str(data_source), ()))
    return {"score": score_value(result), **component_values(result, names)}


def compute_score(data_source=None, solution_str=None, ground_truth=None, extra_info=None, *, data_sources=None, solution_strs=None, ground_truths=None, extra_infos=None, profile: Optional[str] = None, profiles: Optional[Dict[str, str]] = None, keys: Optional[List[str]] = None, url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None, **_ignored: Any):
    """One sample (verl's reward loop; concurrent calls are coalesced by the batcher) or a whole batch (plural kwargs)."""
    if solution_strs is not None:
        n = len(solution_strs)
        ds = list(data_sources) if data_sources is not None else [None] * n
        gts = list(ground_truths) if ground_truths is not None else [None] * n
        infos = list(extra_infos) if extra_infos is not None else [None] * n
        samples = [_sample(i, ds[i], solution_strs[i], gts[i], infos[i], profile, profiles) for i in range(n)]
        results = client(url, on_invalid, timeout).score(samples)
        if keys is None:  # the batch's union: every row gets every key (0 where a profile lacks the component)
            keys = []
            for r in results:
                keys.extend(n for n in r.components if n not in keys)
        return [_row(r, ds[i], keys) for i, r in enumerate(results)]
    s = _sample(0, data_source, solution_str, ground_truth, extra_info, profile, profiles)
    return _row(batcher(url, on_invalid, timeout).score(s), data_source, keys)


async def compute_score_async(data_source=None, solution_str=None, ground_truth=None, extra_info=None, *, profile: Optional[str] = None, profiles: Optional[Dict[str, str]] = None, keys: Optional[List[str]] = None, url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None, **_ignored: Any):
    """The coroutine form for verl's reward loop (awaited per sample; concurrent calls are coalesced)."""
    s = _sample(0, data_source, solution_str, ground_truth, extra_info, profile, profiles)
    return _row(await batcher(url, on_invalid, timeout).score_async(s), data_source, keys)
