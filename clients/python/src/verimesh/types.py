"""Results as dataclasses mirroring SPEC section 3, statuses as the SPEC's words ("ok", "partial", "invalid", ...)."""
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

# Result statuses (SPEC section 3).
OK = "ok"
PARTIAL = "partial"
INVALID = "invalid"
RESULT_STATUSES = (OK, PARTIAL, INVALID)
# Component statuses (SPEC section 3).
COMPONENT_STATUSES = ("ok", "error", "timeout", "unavailable", "invalid", "skipped")

_new = object.__new__


@dataclass(frozen=True)
class ComponentResult:
    score: float
    status: str
    weight: float = 1.0
    #: Its share of the reward: wᵢ·sᵢ (sum), wᵢ·sᵢ/Σ|wᵢ| (mean), 0 when a gate fired, None for min/product/formulas.
    contribution: Optional[float] = None
    detail: Optional[str] = None
    metrics: Dict[str, Any] = field(default_factory=dict)
    latency_ms: Optional[float] = None
    flags: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "ComponentResult":
        c = o.get("contribution")
        latency = o.get("latency_ms")
        # Built without the frozen __init__ (one setattr per field): results are made per sample on the hot path.
        r = _new(cls)
        r.__dict__.update(
            score=float(o.get("score", 0.0)),
            status=str(o.get("status", "")),
            weight=float(o.get("weight", 1.0)),
            contribution=None if c is None else float(c),
            detail=o.get("detail") or None,
            metrics=dict(o.get("metrics") or ()),
            latency_ms=latency,
            flags=list(o.get("flags") or ()),
        )
        return r


@dataclass(frozen=True)
class Result:
    id: str
    #: The composite reward. None only for an invalid sample when on_invalid is "none".
    reward: Optional[float]
    status: str
    error: Optional[str] = None
    components: Dict[str, ComponentResult] = field(default_factory=dict)
    flags: List[str] = field(default_factory=list)
    metadata: Any = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    def reward_or_nan(self) -> float:
        """The reward as a float, NaN where it is None (for trainers that mask NaN)."""
        return math.nan if self.reward is None else self.reward

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Result":
        reward = o.get("reward")
        component = ComponentResult.from_json
        r = _new(cls)
        r.__dict__.update(
            id=str(o.get("id", "")),
            reward=0.0 if reward is None else float(reward),
            status=str(o.get("status", "")),
            error=o.get("error") or None,
            components={k: component(v) for k, v in (o.get("components") or {}).items()},
            flags=list(o.get("flags") or ()),
            metadata=o.get("metadata"),
        )
        return r


@dataclass(frozen=True)
class GroupStats:
    count: int
    mean: float
    std: float
    min: float
    max: float
    #: All rewards of the group equal: GRPO gets no signal from it.
    all_equal: bool
    flags: Dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "GroupStats":
        return cls(
            count=int(o.get("count", 0)),
            mean=float(o.get("mean", 0.0)),
            std=float(o.get("std", 0.0)),
            min=float(o.get("min", 0.0)),
            max=float(o.get("max", 0.0)),
            all_equal=bool(o.get("all_equal", False)),
            flags={k: int(v) for k, v in (o.get("flags") or {}).items()},
        )


@dataclass(frozen=True)
class BatchResult:
    """One call's results, in request order, and statistics per group."""

    results: List[Result]
    groups: Dict[str, GroupStats] = field(default_factory=dict)
