"""NeMo-RL: an environment whose step() scores a batch of conversations through the gateway.

Written against NeMo-RL 0.6.0 (NVIDIA-NeMo/RL main, commit 7ea279a, 2026-08-22): nemo_rl/environments/interfaces.py
`EnvironmentInterface.step(message_log_batch, metadata) -> EnvironmentReturn(observations, metadata,
next_stop_strings, rewards, terminateds, answers)` where rewards is Tensor[B], or {name: Tensor[B]} for multi-reward
environments (nemo_rl/experience/rollouts.py adds `sum(rewards.values())` to total_reward, and GDPO reads the
`reward/<name>` keys, nemo_rl/algorithms/utils.py `get_gdpo_reward_component_keys`); environments are Ray actors
created from `ENV_REGISTRY[name]["actor_class_fqn"]` (nemo_rl/environments/utils.py `create_env`, `register_env`)
with a Python executable from nemo_rl/distributed/ray_actor_environment_registry.py.

Config: call `verimesh.integrations.nemo_rl.register()` once in the training script, then `data.env_name: verimesh`
and `env.verimesh: {profile: NAME}` (optional: url, on_invalid, timeout, components: false for a plain Tensor[B]).
The response is the conversation's assistant turns joined (as NeMo-RL's math environment does); metadata[i]
`ground_truth` (or `reference`) is read as in verimesh.integrations._common.sample_fields. Components are
`reward/<name>` = its contribution plus `reward/residual`, so Σ components == reward in every combine mode.
"""
from collections import namedtuple
from typing import Any, Dict, List, Optional

from verimesh.integrations._common import client, sample_fields, score_value, summed_components

ENV_NAME = "verimesh"
ACTOR_FQN = "verimesh.integrations.nemo_rl.VerimeshEnvironmentActor"
# NeMo-RL's EnvironmentReturn field order, for when nemo_rl cannot be imported (tests): same fields, same order.
_FallbackReturn = namedtuple("EnvironmentReturn", ["observations", "metadata", "next_stop_strings", "rewards", "terminateds", "answers"])


def _tensor(values: List[float]):
    try:
        import torch
    except ImportError:
        return list(values)
    return torch.tensor(values, dtype=torch.float32)


def _environment_return():
    try:
        from nemo_rl.environments.interfaces import EnvironmentReturn
    except ImportError:
        return _FallbackReturn
    return EnvironmentReturn


class VerimeshEnvironment:
    """The environment (wrapped as a Ray actor by VerimeshEnvironmentActor)."""

    def __init__(self, cfg: Optional[Dict[str, Any]] = None):
        cfg = dict(cfg or {})
        self.profile = cfg.get("profile")
        self.components = cfg.get("components", True)
        self.client = client(cfg.get("url"), cfg.get("on_invalid"), cfg.get("timeout"))

    def step(self, message_log_batch: List[List[Dict[str, Any]]], metadata: List[Any], **_kwargs: Any):
        samples = []
        for i, conversation in enumerate(message_log_batch):
            response = "".join(str(m["content"]) for m in conversation if m.get("role") == "assistant")
            prompt = next((str(m["content"]) for m in conversation if m.get("role") == "user"), "")
            meta = metadata[i] if i < len(metadata) and isinstance(metadata[i], dict) else {}
            truth = meta["reference"] if "reference" in meta else meta.get("ground_truth")
            samples.append({"id": str(i), "prompt": prompt, "response": response, **sample_fields(truth, meta.get("profile") or self.profile)})
        results = self.client.score(samples)
        n = len(results)
        if self.components:
            rows = [summed_components(r) for r in results]
            names: List[str] = []
            for row in rows:
                names.extend(k for k in row if k not in names)
            rewards: Any = {f"reward/{k}": _tensor([row.get(k, 0.0) for row in rows]) for k in names}
        else:
            rewards = _tensor([score_value(r) for r in results])
        observations = [{"role": "environment", "content": f"Environment: reward {score_value(r):g}"} for r in results]
        return _environment_return()(observations, metadata, [None] * n, rewards, _tensor([1.0] * n), None)

    def global_post_process_and_metrics(self, batch: Any):
        rewards = batch["total_reward"] if "total_reward" in batch else batch.get("rewards")
        metrics = {}
        if rewards is not None and len(rewards):
            metrics["verimesh/mean_reward"] = float(sum(float(x) for x in rewards) / len(rewards))
        return batch, metrics

    def shutdown(self) -> None:
        pass


def register(name: str = ENV_NAME) -> None:
    """Registers the environment with NeMo-RL under `name` (and its actor's Python executable)."""
    from nemo_rl.distributed.ray_actor_environment_registry import ACTOR_ENVIRONMENT_REGISTRY
    from nemo_rl.distributed.virtual_cluster import PY_EXECUTABLES
    from nemo_rl.environments.utils import register_env

    ACTOR_ENVIRONMENT_REGISTRY.setdefault(ACTOR_FQN, PY_EXECUTABLES.SYSTEM)
    register_env(name, ACTOR_FQN)


_actor: List[Any] = []


def __getattr__(name: str) -> Any:
    if name == "VerimeshEnvironmentActor":
        if not _actor:
            import ray

            _actor.append(ray.remote(VerimeshEnvironment))
        return _actor[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
