"""NeMo Gym: a resources server whose /verify scores the rollout through the gateway.

Written against NeMo Gym 0.5.1 (NVIDIA-NeMo/Gym main, commit 07d6b0d, 2026-08-22): nemo_gym/base_resources_server.py
`SimpleResourcesServer` posts one rollout per `/verify` (`BaseVerifyRequest`: `responses_create_params`, `response`
(a Responses API object whose `output` holds `message` items with `output_text` parts, and `reasoning` items), plus
the task row's own fields); a multi-objective server answers `BaseMultiRewardVerifyResponse` (`reward`,
`reward_components`), and NeMo-RL (nemo_rl/environments/nemo_gym.py `validate_reward_components_match_scalar`)
raises unless reward == Σ reward_components: components are built by verimesh.integrations._common.summed_components.

Config: a resources server directory whose app.py is one line,
    from verimesh.integrations.nemo_gym import VerimeshResourcesServer; VerimeshResourcesServer.run_webserver()
with `profile:` (and optionally `url:`, `on_invalid:`) in its YAML block. Task rows carry `reference` (a dict or JSON
text), or `expected_answer` (a plain answer → reference.answer); `profile` or `reward` in a row override the config.
The server class is built on first access (module __getattr__), so importing this module never imports nemo_gym.
"""
from typing import Any, Dict, Optional

from verimesh.integrations._common import batcher, sample_fields, score_value, summed_components


def response_text(response: Dict[str, Any]) -> str:
    """The rollout's text: output_text of its message items; reasoning items come first inside <think>…</think>."""
    think, text = [], []
    for item in response.get("output") or []:
        kind = item.get("type")
        if kind == "message":
            text.extend(p.get("text", "") for p in item.get("content") or [] if p.get("type") == "output_text")
        elif kind == "reasoning":
            think.extend(p.get("text", "") for p in (item.get("content") or item.get("summary") or []))
    out = "".join(text)
    return f"<think>{''.join(think)}</think>{out}" if think else out


def prompt_of(params: Dict[str, Any]) -> str:
    inp = params.get("input")
    if isinstance(inp, str):
        return inp
    for m in reversed(inp or []):
        if isinstance(m, dict) and m.get("role") == "user":
            c = m.get("content")
            return c if isinstance(c, str) else "".join(p.get("text", "") for p in c or [] if isinstance(p, dict))
    return ""


def to_sample(body: Dict[str, Any], profile: Optional[str] = None) -> Dict[str, Any]:
    truth = body["reference"] if "reference" in body else body.get("expected_answer")
    s = {"id": "0", "prompt": prompt_of(body.get("responses_create_params") or {}), "response": response_text(body.get("response") or {}), **sample_fields(truth, profile)}
    for k in ("profile", "reward"):
        if body.get(k):
            s.pop("profile", None)
            s[k] = body[k]
    return s


async def verify_payload(body: Dict[str, Any], profile: Optional[str] = None, url: Optional[str] = None, on_invalid: Optional[str] = None) -> Dict[str, Any]:
    """The /verify answer for one request body (a dict): the body, `reward`, `reward_components` (Σ = reward), and
    each component's score as a top-level field (NeMo Gym's aggregate metrics read top-level numbers)."""
    result = await batcher(url, on_invalid).score_async(to_sample(body, profile))
    out = dict(body)
    for name, c in result.components.items():
        out.setdefault(name, c.score)
    out["reward"] = score_value(result)
    out["reward_components"] = summed_components(result)
    return out


def _build_server():
    from nemo_gym.base_resources_server import BaseMultiRewardVerifyResponse, BaseResourcesServerConfig, BaseVerifyRequest, SimpleResourcesServer
    class VerimeshResourcesServerConfig(BaseResourcesServerConfig):
        profile: Optional[str] = None
        url: Optional[str] = None
        on_invalid: Optional[str] = None

    class VerimeshVerifyRequest(BaseVerifyRequest):
        model_config = {"extra": "allow"}  # pydantic ConfigDict: the task row's own fields pass through

    class VerimeshVerifyResponse(BaseMultiRewardVerifyResponse):
        model_config = {"extra": "allow"}  # pydantic ConfigDict: the task row's own fields pass through

    class VerimeshResourcesServer(SimpleResourcesServer):
        config: VerimeshResourcesServerConfig

        async def verify(self, body: VerimeshVerifyRequest) -> VerimeshVerifyResponse:
            cfg = self.config
            return VerimeshVerifyResponse(**await verify_payload(body.model_dump(), cfg.profile, cfg.url, cfg.on_invalid))

    return {"VerimeshResourcesServer": VerimeshResourcesServer, "VerimeshResourcesServerConfig": VerimeshResourcesServerConfig, "VerimeshVerifyRequest": VerimeshVerifyRequest, "VerimeshVerifyResponse": VerimeshVerifyResponse}


_built: Dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in ("VerimeshResourcesServer", "VerimeshResourcesServerConfig", "VerimeshVerifyRequest", "VerimeshVerifyResponse"):
        if not _built:
            _built.update(_build_server())
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
