"""The record of calls the sandbox answered: what the tests and the end-to-end runs assert on.

Only method, path (query values that could be secrets redacted), status, time, the caller's name
and the fault applied are kept; headers and bodies never are, so no token or secret can leak here.
"""
from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl

_SENSITIVE = re.compile(r"secret|token|password|assertion|code|signature|sig$", re.IGNORECASE)


def redact_query(query: str) -> str:
    """The query decoded for reading, with the value of any secret-looking parameter replaced."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{k}={'REDACTED' if _SENSITIVE.search(k) else v}" for k, v in pairs)


@dataclass(frozen=True)
class CallRecord:
    seq: int
    service: str
    method: str
    path: str
    status: int
    at: str
    caller: str | None
    fault: str | None
    delayMs: int


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []
        self._seq = 0

    def record(self, *, service: str, method: str, path: str, query: str, status: int, at: str,
               caller: str | None, fault: str | None, delay_ms: int) -> None:
        full_path = f"{path}?{redact_query(query)}" if query else path
        with self._lock:
            self._seq += 1
            self._records.append(CallRecord(self._seq, service, method, full_path, status, at, caller, fault, delay_ms))

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._records]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
