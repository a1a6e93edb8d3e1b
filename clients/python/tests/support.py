"""What the tests share: the gateway addresses the harness (cli/test/python-client.int.test.ts) started."""
import json
import math
import os
import unittest

HTTP = os.environ.get("VERIMESH_URL", "")
GRPC = os.environ.get("VERIMESH_TEST_GRPC_URL", "")

needs_gateway = unittest.skipUnless(HTTP, "VERIMESH_URL: no gateway started (run through npm test)")


def label(i, grpo):
    """The i-th rollout's ground truth as sample fields: its profile and reference."""
    return {"profile": grpo.PROFILES[i], "reference": grpo.REFERENCES[i]}


def label_json(i, grpo):
    return json.dumps(label(i, grpo))


def assert_rewards(test, got, expected):
    test.assertEqual(len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        test.assertTrue(math.isclose(float(g), e, rel_tol=1e-9, abs_tol=1e-12), f"rollout {i}: reward {g}, expected {e}")


def nemo_rl_check(reward, components):
    """NeMo-RL's rule (nemo_rl/environments/nemo_gym.py validate_reward_components_match_scalar)."""
    return math.isclose(float(reward), sum(components.values()), rel_tol=1e-5, abs_tol=1e-6)
