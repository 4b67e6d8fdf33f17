"""Typed failures of service calls.

Every error says which service, which call, which HTTP status and the service's own error code and
message. None of them ever holds a token or a secret: they end up in check evidence and reports.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ServiceError(Exception):
    def __init__(self, service: str, operation: str, status: int | None, code: str | None,
                 message: str, remedy: str | None = None):
        super().__init__(service, operation, status, code, message)
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        # What a person should do, when the answer itself says (e.g. a part missing from it).
        self.remedy = remedy

    def __str__(self) -> str:
        parts = [f"{self.service} {self.operation}:"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}{_reason(self.status)}")
        if self.code:
            parts.append(f"(code {self.code})")
        return " ".join(parts) + f": {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "status": self.status,
                "code": self.code, "message": self.message}


class NotFound(ServiceError):
    """404, or a lookup that matched nothing."""


class PermissionDenied(ServiceError):
    """401 or 403: the token was refused, or the identity lacks a permission."""


class Throttled(ServiceError):
    """Still throttled after the retries, or asked to wait longer than we wait inside one call."""

    def __init__(self, service: str, operation: str, status: int | None, code: str | None,
                 message: str, retry_after: float | None = None):
        super().__init__(service, operation, status, code, message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class ServiceUnavailable(ServiceError):
    """5xx, 408, timeouts and connection failures that outlasted the retries."""


class LcsRequestRefused(ServiceError):
    """Lifecycle Services answered with IsSuccess false."""

    def __init__(self, service: str, operation: str, status: int | None, code: str | None,
                 message: str, operation_activity_id: str | None = None):
        super().__init__(service, operation, status, code, message)
        self.operation_activity_id = operation_activity_id


class HostNotAllowed(ServiceError):
    """A token was about to go to a host outside the service's allow-list; nothing was sent."""

    def __init__(self, service: str, host: str, operation: str = "send token", reason: str | None = None):
        message = reason or (f"host {host!r} is not on the allow-list of {service}; "
                             "no token was requested or sent")
        super().__init__(service, operation, None, "HostNotAllowed", message)
        self.host = host


class TokenUnavailable(ServiceError):
    """No token could be obtained; `remedy` says what a person should do about it."""

    def __init__(self, service: str, message: str, remedy: str, operation: str = "acquire token",
                 transient: bool = False):
        super().__init__(service, operation, None, "TokenUnavailable", message)
        self.remedy = remedy
        # The sign-in service was unreachable or busy: asking again later may succeed.
        self.transient = transient

    def __str__(self) -> str:
        return f"{super().__str__()} {self.remedy}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "remedy": self.remedy}


def _reason(status: int) -> str:
    try:
        return f" {HTTPStatus(status).phrase}"
    except ValueError:
        return ""
