"""TRL: reward functions for GRPOTrainer that log every component while the batch costs one gateway call.

Written against TRL 1.9.0 (huggingface/trl main, commit f2cd577, 2026-07-24), trl/trainer/grpo_trainer.py
`_calculate_rewards`: each reward function is called as `func(prompts=, completions=, completion_ids=,
**reward_kwargs)` where reward_kwargs holds every dataset column (lists, one entry per completion, e.g. `solution`,
`image`/`images`), `trainer_state`, `log_extra`, `log_metric`; coroutine functions are gathered concurrently; None
becomes NaN (masked by nanmean/nansum); `rewards/<func.__name__>/mean` is logged per function and the reward is
Σ reward_weights[i]·func_i. Conversational completions are lists of messages; images of a VLM prompt are in the
`image`/`images` column and in the prompt's content parts.

Config (one line): funcs, weights = reward_funcs(profile="refcoco", components=["format", "iou"]); then
GRPOTrainer(reward_funcs=funcs, args=GRPOConfig(reward_weights=weights, ...)). The main function ("verimesh") has
weight 1; each component view has weight 0, so it is logged and never counted twice.
"""
import asyncio
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from verimesh.integrations._common import (
    SharedResults,
    batch_key,
    client,
    completion_text,
    group_of,
    image_media,
    prompt_text,
    sample_fields,
)

GROUND_TRUTH_COLUMNS = ("reference", "solution", "answer", "ground_truth")


def _media(i: int, prompt: Any, kwargs: Dict[str, Any]) -> List[Dict[str, Any]]:
    images: List[Any] = []
    if kwargs.get("images") is not None:
        images = list(kwargs["images"][i] or [])
    elif kwargs.get("image") is not None:
        images = [kwargs["image"][i]] if kwargs["image"][i] is not None else []
    elif isinstance(prompt, list):
        for m in prompt:
            for part in m.get("content") if isinstance(m, dict) and isinstance(m.get("content"), list) else []:
                if isinstance(part, dict) and part.get("type") == "image" and part.get("image") is not None:
                    images.append(part["image"])
    return [image_media(im) for im in images]


def reward_funcs(profile: Optional[str] = None, components: Sequence[str] = (), *, reward: Optional[Dict[str, Any]] = None, ground_truth: Optional[str] = None, asynchronous: bool = False, url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None) -> Tuple[List[Callable[..., Any]], List[float]]:
    """[main, *one view per component] and their reward_weights [1, 0, ...].

    profile: the gateway profile (or `reward`: a RewardSpec sent with every sample). ground_truth: the dataset column
    with the ground truth (default: the first of reference, solution, answer, ground_truth present), read as in
    verimesh.integrations._common.sample_fields. asynchronous: coroutine functions (TRL runs them concurrently).
    """
    shared = SharedResults()

    def results(prompts: List[Any], completions: List[Any], kwargs: Dict[str, Any]):
        texts = [completion_text(c) for c in completions]
        column = ground_truth or next((c for c in GROUND_TRUTH_COLUMNS if c in kwargs), None)
        truths = list(kwargs[column]) if column else [None] * len(texts)

        def call():
            samples = []
            for i, text in enumerate(texts):
                s = {"id": str(i), "group": group_of(prompts[i]), "prompt": prompt_text(prompts[i]), "response": text, **sample_fields(truths[i], profile)}
                if reward is not None:
                    s.pop("profile", None)
                    s["reward"] = reward
                media = _media(i, prompts[i], kwargs)
                if media:
                    s["media"] = media
                samples.append(s)
            return client(url, on_invalid, timeout).score(samples)

        return shared.get(batch_key([prompt_text(p) for p in prompts], texts, truths), call)

    def make(name: str, pick: Callable[[Any], Optional[float]]):
        if asynchronous:
            async def fn(prompts=None, completions=None, completion_ids=None, **kwargs):
                rs = await asyncio.get_running_loop().run_in_executor(None, results, prompts, completions, kwargs)
                return [pick(r) for r in rs]
        else:
            def fn(prompts=None, completions=None, completion_ids=None, **kwargs):
                return [pick(r) for r in results(prompts, completions, kwargs)]
        fn.__name__ = fn.__qualname__ = name
        return fn

    def component(name: str):
        return lambda r: None if r.reward is None else (r.components[name].score if name in r.components else None)

    funcs = [make("verimesh", lambda r: r.reward)] + [make(n, component(n)) for n in components]
    return funcs, [1.0] + [0.0] * len(components)
