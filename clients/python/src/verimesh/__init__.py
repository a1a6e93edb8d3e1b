"""Verimesh for Python trainers: a client for the reward gateway, a batcher that coalesces per-sample calls, and
adapters for verl, TRL, OpenRLHF, NeMo Gym / NeMo-RL, verifiers / prime-rl and EasyR1 (verimesh.integrations)."""
from .batcher import Batcher
from .client import DEFAULT_URL, Client, gateway_url
from .errors import DeadlineExceededError, InvalidSampleError, OverloadedError, RequestError, UnavailableError, VerimeshError
from .types import BatchResult, ComponentResult, GroupStats, Result

__version__ = "0.1.0"
__all__ = [
    "Batcher",
    "BatchResult",
    "Client",
    "ComponentResult",
    "DEFAULT_URL",
    "DeadlineExceededError",
    "GroupStats",
    "InvalidSampleError",
    "OverloadedError",
    "RequestError",
    "Result",
    "UnavailableError",
    "VerimeshError",
    "gateway_url",
]
