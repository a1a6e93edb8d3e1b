"""The client's errors: one base class, one subclass per way a call can fail."""
from typing import Any, List, Optional


class VerimeshError(Exception):
    """Base class of every error the client raises. `code` is the gRPC code name (e.g. "UNAVAILABLE")."""

    code = "UNKNOWN"

    def __init__(self, message: str, code: Optional[str] = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidSampleError(VerimeshError):
    """A sample came back `invalid` and on_invalid is "raise": names the sample id and the gateway's message.

    `result` is that sample's Result; `results` every invalid Result of the call (the first one is named).
    """

    code = "INVALID_ARGUMENT"

    def __init__(self, result: Any, results: Optional[List[Any]] = None):
        others = len(results) - 1 if results else 0
        more = f" (and {others} more invalid sample{'s' if others != 1 else ''})" if others > 0 else ""
        super().__init__(f"sample {result.id!r} is invalid: {result.error}{more}")
        self.sample_id = result.id
        self.result = result
        self.results = results or [result]


class RequestError(VerimeshError):
    """The gateway refused the whole request (INVALID_ARGUMENT, HTTP 400): the message names the field."""

    code = "INVALID_ARGUMENT"


class OverloadedError(VerimeshError):
    """The gateway refused the request for overload (RESOURCE_EXHAUSTED, HTTP 429). Not retried by the client."""

    code = "RESOURCE_EXHAUSTED"


class UnavailableError(VerimeshError):
    """The gateway could not be reached, or answered UNAVAILABLE, until the caller's deadline ran out."""

    code = "UNAVAILABLE"


class DeadlineExceededError(VerimeshError):
    """The call did not finish within the caller's timeout."""

    code = "DEADLINE_EXCEEDED"
