"""OpenRLHF's chat-template stripping and POST /get_reward over plain HTTP; NeMo-RL's reward == Σ components rule
for every combine mode and a fired gate."""
import json
import math
import unittest
import urllib.error
import urllib.request

from verimesh import Client
from verimesh.integrations._common import summed_components
from verimesh.integrations.openrlhf import DEFAULT_SPECIAL_TOKENS, response_of

from . import grpo
from .support import HTTP, assert_rewards, label_json, needs_gateway, nemo_rl_check
from .test_adapters import qwen_prompt

with open(__file__.rsplit("/", 1)[0] + "/fixtures/openrlhf_cases.json", encoding="utf-8") as f:
    FIXTURE = json.load(f)  # the gateway's TypeScript side is tested on the same cases


class StripTest(unittest.TestCase):
    def test_defaults_match_the_gateway(self):
        self.assertEqual(list(DEFAULT_SPECIAL_TOKENS), FIXTURE["special_tokens"])

    def test_cases(self):
        for c in FIXTURE["cases"]:
            with self.subTest(c["name"]):
                self.assertEqual(response_of(c["query"], c["prompt"]), c["response"])

    def test_configurable(self):
        self.assertEqual(response_of("<s>[INST] q [/INST]answer</s>", "<s>[INST] q [/INST]", ["</s>"]), "answer")


def post(path, body):
    req = urllib.request.Request(HTTP + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@needs_gateway
class GetRewardTest(unittest.TestCase):
    def test_openrlhf_remote_reward_over_http(self):
        prompts = [qwen_prompt(grpo.QUESTIONS[i]) for i in range(64)]
        queries = [prompts[i] + grpo.RESPONSES[i] + "<|im_end|>" for i in range(64)]
        status, out = post("/get_reward", {"query": queries, "prompts": prompts, "labels": [label_json(i, grpo) for i in range(64)]})
        self.assertEqual(status, 200, out)
        assert_rewards(self, out["rewards"], grpo.EXPECTED)
        self.assertEqual(out["scores"], out["rewards"])
        self.assertEqual(len(out["extra_logs"]["exact"]), 64)

    def test_plain_labels_through_the_profile_and_errors(self):
        q = qwen_prompt("What is 6 x 7?")
        status, out = post("/get_reward?profile=mc", {"query": [q + "<think>6 sevens</think><answer>42</answer><|im_end|>", q + "42<|im_end|>"], "prompts": [q, q], "labels": ["42", "42"]})
        self.assertEqual((status, out["rewards"]), (200, [1.5, 0.0]))
        status, out = post("/get_reward?profile=no-such", {"query": [q + "42"], "prompts": [q], "labels": ["42"]})
        self.assertEqual(status, 400)
        self.assertIn("no-such", out["error"]["message"])
        status, out = post("/get_reward?profile=no-such&on_invalid=score", {"query": [q + "42"], "prompts": [q], "labels": ["42"]})
        self.assertEqual((status, out["rewards"]), (200, [0]))
        status, out = post("/get_reward", {"query": "not a list"})
        self.assertEqual((status, out["error"]["code"]), (400, "INVALID_ARGUMENT"))


THINK = "<think>x</think>"


def spec(combine, gate=None):
    return {"components": [
        {"name": "format", "verifier": "text.format", "weight": 0.5, "params": {"pattern": "think_answer"}, **({"gate": gate} if gate else {})},
        {"name": "exact", "verifier": "text.exact", "weight": 2},
        {"name": "num", "verifier": "text.numeric", "weight": 1},
    ], "combine": combine}


@needs_gateway
class SumRuleTest(unittest.TestCase):
    """format = 1, exact = 0 ("41" vs "42"), num = 1 (41 within 5% of 42): by hand per mode."""

    CASES = [
        ("sum", spec("sum"), f"{THINK}<answer>41</answer>", 0.5 * 1 + 2 * 0 + 1 * 1, {"format": 0.5, "exact": 0.0, "num": 1.0, "residual": 0.0}),
        ("mean", spec("mean"), f"{THINK}<answer>41</answer>", 1.5 / 3.5, {"format": 0.5 / 3.5, "exact": 0.0, "num": 1 / 3.5, "residual": 0.0}),
        ("min", spec("min"), f"{THINK}<answer>41</answer>", 0.0, {"format": 0.0, "exact": 0.0, "num": 0.0, "residual": 0.0}),
        ("product", spec("product"), f"{THINK}<answer>42</answer>", 1.0, {"format": 0.0, "exact": 0.0, "num": 0.0, "residual": 1.0}),
        ("formula", spec({"formula": "format * (0.8*exact + 0.2*num)"}), f"{THINK}<answer>41</answer>", 0.2, {"format": 0.0, "exact": 0.0, "num": 0.0, "residual": 0.2}),
        ("fired gate", spec("sum", {"min": 1, "value": -1}), "<answer>42</answer>", -1.0, {"format": 0.0, "exact": 0.0, "num": 0.0, "residual": -1.0}),
    ]

    def test_sum_of_components_is_the_reward_in_every_mode(self):
        samples = [{"id": name, "response": resp, "reference": {"answer": "42"}, "reward": sp} for name, sp, resp, _r, _c in self.CASES]
        with Client(HTTP) as c:
            results = c.score(samples)
        for (name, _sp, _resp, reward, comps), r in zip(self.CASES, results):
            with self.subTest(name):
                self.assertTrue(math.isclose(r.reward, reward, abs_tol=1e-12), (r.reward, reward))
                got = summed_components(r)
                self.assertEqual(set(got), set(comps))
                for k, v in comps.items():
                    self.assertTrue(math.isclose(got[k], v, abs_tol=1e-12), (k, got[k], v))
                self.assertTrue(nemo_rl_check(r.reward, got))
