"""EasyR1: a batch reward module, `worker.reward.reward_function=/path/to/verimesh/integrations/easyr1.py:main`.

Written against EasyR1 0.3.3.dev0 (hiyouga/EasyR1 main, commit b44b311, 2026-07-30), verl/workers/reward/function.py
`AutoRewardManager`: the file is loaded with importlib.util.spec_from_file_location as "custom_reward_fn" (no
relative imports), `REWARD_TYPE = "batch"` makes it call `main(reward_inputs, **reward_function_kwargs)` once per
batch with dicts `{"response", "response_length", "ground_truth"}`, and every key of every returned dict is
averaged into the metrics, so every value is a number and "overall" is the reward.

Settings: worker.reward.reward_function_kwargs={profile: NAME} (also url, on_invalid, timeout), else VERIMESH_PROFILE
and the other VERIMESH_* variables. `python -m verimesh path easyr1` prints this file's path.
"""
from typing import Any, Dict, List, Optional

from verimesh.integrations._common import client, component_values, sample_fields, score_value, setting

REWARD_NAME = "verimesh"
REWARD_TYPE = "batch"


def main(reward_inputs: List[Dict[str, Any]], profile: Optional[str] = None, url: Optional[str] = None, on_invalid: Optional[str] = None, timeout: Optional[float] = None, **_ignored: Any) -> List[Dict[str, float]]:
    """[{"overall": reward, <component>: score, ...}] with the same keys for every sample."""
    profile = setting("profile", profile)
    samples = [{"id": str(i), "response": x["response"], **sample_fields(x.get("ground_truth"), profile)} for i, x in enumerate(reward_inputs)]
    results = client(url, on_invalid, timeout).score(samples)
    names: List[str] = []
    for r in results:
        names.extend(n for n in r.components if n not in names)
    return [{"overall": score_value(r), **component_values(r, names)} for r in results]
