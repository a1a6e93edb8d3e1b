"""OpenRLHF: a reward hook module, `--reward.remote_url /path/to/verimesh/integrations/openrlhf.py`.

Written against OpenRLHF 0.11.0 (OpenRLHF/OpenRLHF main, commit 3c3be62, 2026-08-13), openrlhf/utils/agent.py:
`SingleTurnAgentExecutor` loads a remote_url ending in ".py" with importlib.util.spec_from_file_location and calls
its `reward_func(queries, prompts, labels)` once per rollout with lists of length 1, in threads
(asyncio.to_thread), where `query` is `tokenizer.decode(prompt + response tokens, skip_special_tokens=False)`; it
reads "rewards" (advantage), "scores" (dynamic filtering) and "extra_logs" (logged) of the returned dict.
Per-rollout calls are coalesced by the shared batcher. No Python at all: the gateway answers the same JSON on
`--reward.remote_url http://<gateway>:8080/get_reward?profile=NAME` (services/gateway/src/openrlhf.ts).

Settings come from the environment (OpenRLHF passes no arguments): VERIMESH_URL, VERIMESH_PROFILE (maps plain
labels to reference.answer), VERIMESH_ON_INVALID, VERIMESH_TIMEOUT, VERIMESH_SPECIAL_TOKENS (comma-separated;
replaces the defaults below). `python -m verimesh path openrlhf` prints this file's path.
"""
from typing import Any, Dict, List, Optional, Sequence

from verimesh.integrations._common import batcher, sample_fields, score_value, setting

#: Chat-template tokens stripped from a query: Qwen (ChatML), Llama 3, DeepSeek (V3 / R1).
DEFAULT_SPECIAL_TOKENS = (
    "<|im_start|>", "<|im_end|>", "<|endoftext|>",
    "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>",
    "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<|EOT|>",
)
#: Where the assistant's turn starts, when the query does not begin with the prompt text.
ASSISTANT_HEADERS = ("<|im_start|>assistant\n", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<｜Assistant｜>")


def special_tokens() -> Sequence[str]:
    env = setting("special_tokens")
    return tuple(t for t in env.split(",") if t) if env else DEFAULT_SPECIAL_TOKENS


def strip_tokens(text: str, tokens: Sequence[str]) -> str:
    for t in tokens:
        text = text.replace(t, "")
    return text


def response_of(query: str, prompt: str, tokens: Optional[Sequence[str]] = None) -> str:
    """The policy's response inside an OpenRLHF query (prompt + response, special tokens kept).

    The response is what follows the prompt (or, when the query does not start with it, the last assistant header,
    else the prompt's last occurrence); then every special token is removed. A prompt that ends inside an opened <think> (DeepSeek-R1 and Qwen3 thinking
    templates) gets that <think> back at the start of the response, so think_answer formats see the whole turn.
    """
    tokens = special_tokens() if tokens is None else tokens
    if prompt and query.startswith(prompt):
        response, head = query[len(prompt):], prompt
    else:
        cut = max(((query.rfind(h), h) for h in ASSISTANT_HEADERS), key=lambda x: x[0])
        if cut[0] >= 0:
            response, head = query[cut[0] + len(cut[1]):], query[:cut[0] + len(cut[1])]
        elif prompt and prompt in query:
            # An unknown template around a prompt that is in the query: never score the prompt as the response.
            end = query.rfind(prompt) + len(prompt)
            response, head = query[end:], query[:end]
        else:
            response, head = query, ""
    response = strip_tokens(response, tokens)
    opened = head.rstrip()
    if opened.endswith("<think>") and "<think>" not in response[:64]:
        response = "<think>\n" + response.lstrip("\n")
    return response


def to_samples(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], profile: Optional[str] = None) -> List[Dict[str, Any]]:
    """OpenRLHF's three lists as samples: labels are JSON text of sample fields / a reference, or plain answers."""
    profile = setting("profile", profile)
    tokens = special_tokens()
    out = []
    for i, q in enumerate(queries):
        p = prompts[i] if i < len(prompts) else ""
        s = {"id": str(i), "response": response_of(q, p, tokens), **sample_fields(labels[i] if i < len(labels) else None, profile)}
        if "prompt" not in s and p:
            s["prompt"] = strip_tokens(p, tokens).strip()
        out.append(s)
    return out


def reward_func(queries: List[str], prompts: List[str], labels: List[Any], **kwargs: Any) -> Dict[str, Any]:
    """{"rewards", "scores", "extra_logs": {<component>: [...]}}, lists with one entry per query."""
    results = batcher().score_many(to_samples(queries, prompts, labels, kwargs.get("profile")))
    rewards = [score_value(r) for r in results]
    names: List[str] = []
    for r in results:
        names.extend(n for n in r.components if n not in names)
    logs = {n: [(r.components[n].score if n in r.components else 0.0) if r.reward is not None else float("nan") for r in results] for n in names}
    return {"rewards": rewards, "scores": rewards, "extra_logs": logs}
