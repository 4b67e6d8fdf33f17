"""Exit codes scripts can rely on (documented in cli/README.md)."""
from __future__ import annotations

from enum import IntEnum

from domain import phases as P


class ExitCode(IntEnum):
    OK = 0  # linked / validated / cancelled by `cancel`, or accepted without waiting
    UNEXPECTED = 1
    BAD_INPUT = 2  # 400, or a typed name the run did not accept
    VALIDATION_FAILED = 3
    STOPPED = 4  # cancelled or confirmation expired
    PROVISIONING_FAILED = 5  # provisioning failed or timed out
    CONFLICT = 6  # 409
    NOT_FOUND = 7  # 404
    SERVICE_FAILURE = 8  # the run failed, the API is unreachable, 401/403/5xx, or --timeout elapsed
    INTERRUPTED = 130  # Ctrl-C (the run goes on on the server)


_OF_PHASE = {
    P.LINKED: ExitCode.OK,
    P.VALIDATED: ExitCode.OK,
    P.VALIDATION_FAILED: ExitCode.VALIDATION_FAILED,
    P.CANCELLED: ExitCode.STOPPED,
    P.CONFIRMATION_EXPIRED: ExitCode.STOPPED,
    P.PROVISIONING_FAILED: ExitCode.PROVISIONING_FAILED,
    P.PROVISIONING_TIMED_OUT: ExitCode.PROVISIONING_FAILED,
    P.FAILED: ExitCode.SERVICE_FAILURE,
}
_OF_HTTP_STATUS = {400: ExitCode.BAD_INPUT, 404: ExitCode.NOT_FOUND, 409: ExitCode.CONFLICT}


def for_phase(phase: str) -> ExitCode:
    """The code for a run that stopped in `phase`; OK for a phase that is not final."""
    return _OF_PHASE.get(phase, ExitCode.OK)


def for_http_status(status: int | None) -> ExitCode:
    return _OF_HTTP_STATUS.get(status or 0, ExitCode.SERVICE_FAILURE)
