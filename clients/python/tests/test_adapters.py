"""Every adapter called with its trainer's exact argument shapes (see each module's docstring for the trainer's
file and version) on the GRPO batch; rewards equal the hand-derived values, in order."""
import asyncio
import importlib.util
import json
import math
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from verimesh.integrations import _common

from . import grpo
from .support import HTTP, assert_rewards, label, label_json, needs_gateway, nemo_rl_check

COMPONENTS = ["format", "exact", "iou", "tests", "teds"]
QWEN_SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"


def qwen_prompt(q):
    return f"{QWEN_SYSTEM}<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"


def parquet_ground_truth(i):
    """The reference as verl's parquet loader hands it over: lists become numpy arrays (object arrays of dicts)."""
    ref = dict(grpo.REFERENCES[i])
    if "box" in ref:
        ref["box"] = np.array(ref["box"], dtype=np.int64)
    if "tests" in ref:
        ref["tests"] = np.array(ref["tests"], dtype=object)
    return ref


def calls():
    return sum(c.calls for c in _common._clients.values())


@needs_gateway
class VerlTest(unittest.TestCase):
    def test_reward_loop_per_sample_from_threads(self):
        from verimesh.integrations.verl import compute_score

        def one(i):  # NaiveRewardManager.run_single, run_in_executor
            return compute_score(data_source=grpo.PROFILES[i], solution_str=grpo.RESPONSES[i], ground_truth=parquet_ground_truth(i), extra_info={"index": i // 8, "split": "train", "num_turns": None, "rollout_reward_scores": {}})

        before = calls()
        with ThreadPoolExecutor(64) as pool:
            rows = list(pool.map(one, range(64)))
        assert_rewards(self, [r["score"] for r in rows], grpo.EXPECTED)
        self.assertLess(calls() - before, 64, "the batcher coalesces verl's per-sample calls")
        for i, r in enumerate(rows):
            want = {"mc": {"score", "format", "exact"}, "grounding": {"score", "format", "iou"}, "code": {"score", "tests"}, "table": {"score", "teds"}}[grpo.PROFILES[i]]
            self.assertEqual(set(r), want, f"rollout {i}")
        self.assertEqual(rows[3]["exact"], 0.0)  # skipped behind the gate: present, 0

    def test_reward_loop_async(self):
        from verimesh.integrations.verl import compute_score_async

        async def main():
            return await asyncio.gather(*(compute_score_async(data_source=grpo.PROFILES[i], solution_str=grpo.RESPONSES[i], ground_truth=json.dumps(grpo.REFERENCES[i]), extra_info={"index": i // 8}) for i in range(64)))

        assert_rewards(self, [r["score"] for r in asyncio.run(main())], grpo.EXPECTED)

    def test_batch_reward_manager(self):
        from verimesh.integrations.verl import compute_score

        extras = np.array([{"index": i // 8, "rollout_reward_scores": {}} for i in range(64)], dtype=object)
        before = calls()
        rows = compute_score(data_sources=np.array(grpo.PROFILES, dtype=object), solution_strs=list(grpo.RESPONSES), ground_truths=[parquet_ground_truth(i) for i in range(64)], extra_infos=extras)
        self.assertEqual(calls() - before, 1)
        assert_rewards(self, [r["score"] for r in rows], grpo.EXPECTED)
        self.assertEqual({frozenset(r) for r in rows}, {frozenset(["score"] + COMPONENTS)})

    def test_data_source_mapping_and_unknown_profile(self):
        from verimesh import InvalidSampleError
        from verimesh.integrations.verl import compute_score

        r = compute_score(data_source="openai/gsm8k", solution_str=grpo.RESPONSES[0], ground_truth="B", profiles={"openai/gsm8k": "mc"})
        self.assertEqual(r["score"], 1.5)
        with self.assertRaisesRegex(InvalidSampleError, "gsm8k"):
            compute_score(data_source="openai/gsm8k", solution_str="x", ground_truth="B")
        nan = compute_score(data_source="mc-typo", solution_str="x", ground_truth="B", on_invalid="none", keys=["format", "exact"])
        self.assertTrue(math.isnan(nan["score"]) and math.isnan(nan["exact"]))


def trl_inputs():
    from PIL import Image

    prompts, images = [], []
    for i in range(64):
        if grpo.PROFILES[i] == "grounding":
            im = Image.new("RGB", (400, 300), (200, 30, 30))
            prompts.append([{"role": "user", "content": [{"type": "image", "image": im}, {"type": "text", "text": grpo.QUESTIONS[i]}]}])
            images.append([im])
        else:
            prompts.append([{"role": "user", "content": grpo.QUESTIONS[i]}])
            images.append([])
    completions = [[{"role": "assistant", "content": r}] for r in grpo.RESPONSES]
    kwargs = {"reference": [label(i, grpo) for i in range(64)], "images": images, "trainer_state": object(), "log_extra": lambda *a, **k: None, "log_metric": lambda *a, **k: None}
    return prompts, completions, kwargs


@needs_gateway
class TrlTest(unittest.TestCase):
    def test_main_and_component_views_cost_one_call(self):
        from verimesh.integrations.trl import reward_funcs

        funcs, weights = reward_funcs(components=COMPONENTS)
        self.assertEqual([f.__name__ for f in funcs], ["verimesh"] + COMPONENTS)
        self.assertEqual(weights, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        prompts, completions, kwargs = trl_inputs()
        before = calls()
        # GRPOTrainer._calculate_rewards: each sync function in turn, same arguments
        outs = [f(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * 64, **kwargs) for f in funcs]
        self.assertEqual(calls() - before, 1)
        assert_rewards(self, outs[0], grpo.EXPECTED)
        iou = outs[3]
        self.assertIsNone(iou[0])  # mc rollouts have no iou component: None (TRL: NaN, masked)
        self.assertAlmostEqual(iou[17], 0.5)
        reward = [sum(w * (x if x is not None else 0.0) for w, x in zip(weights, col)) for col in zip(*outs)]
        assert_rewards(self, reward, grpo.EXPECTED)  # TRL's Σ weights·funcs counts the reward once

    def test_pil_images_travel_as_media(self):
        from PIL import Image

        from verimesh.integrations.trl import reward_funcs

        # norm1000 coordinates need the image's size, which only the PIL image sent as media gives (400 x 300):
        # [0, 0, 500, 500] in [0, 1000] is [0, 0, 200, 150] in pixels, the reference box: IoU 1.
        spec = {"components": [{"name": "iou", "verifier": "vision.box_iou", "params": {"coords": "norm1000"}}]}
        (main,), _ = reward_funcs(reward=spec)
        im = Image.new("RGB", (400, 300))
        prompt = [{"role": "user", "content": [{"type": "image", "image": im}, {"type": "text", "text": "Find it."}]}]
        out = main(prompts=[prompt], completions=[[{"role": "assistant", "content": '[{"bbox_2d": [0, 0, 500, 500]}]'}]], completion_ids=None, solution=[{"box": [0, 0, 200, 150]}], image=[im])
        self.assertEqual(out, [1.0])

    def test_async_functions_gathered(self):
        from verimesh.integrations.trl import reward_funcs

        funcs, _ = reward_funcs(components=COMPONENTS, asynchronous=True)
        prompts, completions, kwargs = trl_inputs()
        self.assertTrue(all(asyncio.iscoroutinefunction(f) for f in funcs))

        async def main():
            return await asyncio.gather(*(f(prompts=prompts, completions=completions, completion_ids=None, **kwargs) for f in funcs))

        before = calls()
        outs = asyncio.run(main())
        self.assertEqual(calls() - before, 1)
        assert_rewards(self, outs[0], grpo.EXPECTED)


@needs_gateway
class OpenRLHFTest(unittest.TestCase):
    def load_by_path(self):
        from verimesh.integrations import openrlhf

        spec = importlib.util.spec_from_file_location("reward_func", openrlhf.__file__)  # as SingleTurnAgentExecutor does
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_per_rollout_calls_in_threads(self):
        module = self.load_by_path()
        queries = [qwen_prompt(grpo.QUESTIONS[i]) + grpo.RESPONSES[i] + "<|im_end|>" for i in range(64)]

        async def main():  # _fetch_rewards_via_func: asyncio.to_thread(reward_func, [q], [p], [l]) per rollout
            return await asyncio.gather(*(asyncio.to_thread(module.reward_func, [queries[i]], [qwen_prompt(grpo.QUESTIONS[i])], [label_json(i, grpo)]) for i in range(64)))

        # asyncio.to_thread runs on the default executor (min(32, cpus + 4) threads), so few callers are ever
        # concurrent here: how many calls that makes depends on timing (coalescing is checked in test_batcher).
        outs = asyncio.run(main())
        assert_rewards(self, [o["rewards"][0] for o in outs], grpo.EXPECTED)
        self.assertEqual(outs[0]["scores"], outs[0]["rewards"])
        self.assertEqual(set(outs[0]["extra_logs"]), {"format", "exact"})


@needs_gateway
class NemoTest(unittest.TestCase):
    def body(self, i):
        return {
            "responses_create_params": {"input": [{"role": "user", "content": grpo.QUESTIONS[i]}]},
            "response": {"id": f"resp_{i}", "object": "response", "output": [{"id": f"msg_{i}", "type": "message", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": grpo.RESPONSES[i], "annotations": []}]}]},
            **label(i, grpo),
        }

    def test_nemo_gym_verify(self):
        from verimesh.integrations import nemo_gym

        self.assertNotIn("nemo_gym", sys.modules)

        async def main():  # one POST /verify per rollout, concurrently
            return await asyncio.gather(*(nemo_gym.verify_payload(self.body(i)) for i in range(64)))

        outs = asyncio.run(main())
        assert_rewards(self, [o["reward"] for o in outs], grpo.EXPECTED)
        for o in outs:
            self.assertTrue(nemo_rl_check(o["reward"], o["reward_components"]), o["reward_components"])
        self.assertEqual(outs[0]["reward_components"], {"format": 0.5, "exact": 1.0, "residual": 0.0})
        self.assertEqual(outs[0]["exact"], 1.0)  # top-level, for NeMo Gym's aggregate metrics
        self.assertEqual(outs[0]["response"]["id"], "resp_0")

    def test_nemo_rl_environment_step(self):
        from verimesh.integrations.nemo_rl import VerimeshEnvironment

        env = VerimeshEnvironment({})
        logs = [[{"role": "user", "content": grpo.QUESTIONS[i]}, {"role": "assistant", "content": grpo.RESPONSES[i]}] for i in range(64)]
        meta = [{"ground_truth": label_json(i, grpo)} for i in range(64)]
        ret = env.step(logs, meta)
        observations, metadata, stops, rewards, terminateds, answers = ret  # positional, as rollouts.py unpacks it
        self.assertTrue(all(k.startswith("reward/") for k in rewards))
        totals = [sum(float(rewards[k][i]) for k in rewards) for i in range(64)]  # rollouts.py: sum(rewards.values())
        assert_rewards(self, totals, grpo.EXPECTED)
        self.assertEqual((len(observations), len(stops), metadata), (64, 64, meta))
        plain = VerimeshEnvironment({"components": False}).step(logs, meta).rewards
        assert_rewards(self, [float(x) for x in plain], grpo.EXPECTED)


@needs_gateway
class VerifiersTest(unittest.TestCase):
    def test_group_function_one_call_per_group(self):
        from verimesh.integrations.verifiers import group_reward_funcs

        funcs = group_reward_funcs(components=COMPONENTS)
        import inspect

        plural = {"states", "prompts", "completions", "answers", "tasks", "infos"}
        self.assertTrue(all(set(inspect.signature(f).parameters) & plural for f in funcs))  # vf.Rubric._is_group_func
        rewards = []
        before = calls()
        for g in range(8):  # Rubric.score_group: funcs in order, each with the group's lists and **score objects
            idx = range(g * 8, g * 8 + 8)
            objects = dict(prompts=[[{"role": "user", "content": grpo.QUESTIONS[i]}] for i in idx], completions=[[{"role": "assistant", "content": grpo.RESPONSES[i]}] for i in idx], answers=[label_json(i, grpo) for i in idx], states=[{} for _ in idx], tasks=[None] * 8, infos=[{} for _ in idx], parser=None)
            outs = [f(**objects) for f in funcs]
            rewards.extend(outs[0])
        self.assertEqual(calls() - before, 8)
        assert_rewards(self, rewards, grpo.EXPECTED)


@needs_gateway
class EasyR1Test(unittest.TestCase):
    def test_batch_module_loaded_by_path(self):
        from verimesh.integrations import easyr1

        spec = importlib.util.spec_from_file_location("custom_reward_fn", easyr1.__file__)  # AutoRewardManager
        module = importlib.util.module_from_spec(spec)
        sys.modules["custom_reward_fn"] = module
        spec.loader.exec_module(module)
        self.assertEqual(module.REWARD_TYPE, "batch")
        inputs = [{"response": grpo.RESPONSES[i], "response_length": len(grpo.RESPONSES[i]) // 4, "ground_truth": label_json(i, grpo)} for i in range(64)]
        scores = module.main(inputs)
        assert_rewards(self, [s["overall"] for s in scores], grpo.EXPECTED)
        self.assertEqual({frozenset(s) for s in scores}, {frozenset(["overall"] + COMPONENTS)})
        self.assertTrue(all(isinstance(v, float) for s in scores for v in s.values()))
