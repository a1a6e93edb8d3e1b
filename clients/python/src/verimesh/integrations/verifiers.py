"""verifiers / prime-rl: a Rubric whose group function scores a whole GRPO group in one gateway call.

Written against verifiers 0.4.0 (PrimeIntellect-ai/verifiers main, commit a60a606, 2026-08-21),
verifiers/legacy/rubrics/rubric.py (`vf.Rubric`, still `import verifiers as vf`): a reward function with a plural
parameter (`prompts`, `completions`, `answers`, `states`, `tasks`, `infos`) is a group function, called once per
group in `score_group` with those lists (and every other score object as keyword arguments) and returning one float
per rollout; `state["metrics"]` gets one entry per function name and the reward is Σ weight·score.

Config (one line, in load_environment): rubric = verimesh.integrations.verifiers.rubric(profile="math",
components=["format", "exact"]), passed as vf.SingleTurnEnv(..., rubric=rubric). The main function ("verimesh") has
weight 1; each component view weight 0 (a metric). The ground truth is the row's `answer`, read as in
verimesh.integrations._common.sample_fields; an `info["verimesh"]` dict of sample fields overrides it.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence

from verimesh.integrations._common import SharedResults, batch_key, client, completion_text, group_of, prompt_text, sample_fields


def group_reward_funcs(profile: Optional[str] = None, components: Sequence[str] = (), *, url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None) -> List[Callable[..., List[float]]]:
    """[main, *one view per component]: group functions (plural parameters), one gateway call per group."""
    shared = SharedResults()

    def results(prompts, completions, answers, infos):
        texts = [completion_text(c) for c in completions]
        answers = list(answers) if answers is not None else [None] * len(texts)
        infos = list(infos) if infos is not None else [{}] * len(texts)

        def call():
            samples = []
            for i, text in enumerate(texts):
                s = {"id": str(i), "group": group_of(prompts[0] if prompts else ""), "prompt": prompt_text(prompts[i]) if prompts else "", "response": text, **sample_fields(answers[i], profile)}
                extra = infos[i].get("verimesh") if isinstance(infos[i], dict) else None
                if isinstance(extra, dict):
                    s.update(extra)
                samples.append(s)
            return client(url, on_invalid, timeout).score(samples)

        return shared.get(batch_key([prompt_text(p) for p in prompts or []], texts, answers), call)

    def make(name: str, pick: Callable[[Any], float]):
        def fn(prompts=None, completions=None, answers=None, infos=None, **kwargs: Any) -> List[float]:
            return [pick(r) for r in results(prompts, completions, answers, infos)]

        fn.__name__ = fn.__qualname__ = name
        return fn

    def component(name: str):
        return lambda r: float("nan") if r.reward is None else (r.components[name].score if name in r.components else 0.0)

    return [make("verimesh", lambda r: r.reward_or_nan())] + [make(n, component(n)) for n in components]


def rubric(profile: Optional[str] = None, components: Sequence[str] = (), **kwargs: Any):
    """A vf.Rubric with the group function (weight 1) and one metric per component (weight 0)."""
    import verifiers as vf

    funcs = group_reward_funcs(profile, components, **kwargs)
    return vf.Rubric(funcs=funcs, weights=[1.0] + [0.0] * len(components))
