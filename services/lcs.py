"""Lifecycle Services: environment metadata (public API) and the Power Platform integration
endpoint of docs/contracts.md (setupMode lcs-api; no public Microsoft API exists for it).

Every LCS answer is an envelope {IsSuccess, ErrorMessage, OperationActivityId, VersionEOL, Data},
usually with HTTP 200 even on failure, so IsSuccess is checked on every answer.
"""

from __future__ import annotations

import math
import re
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from services.errors import LcsRequestRefused, ServiceError
from services.http import ServiceHttp
from services.models import LcsAccount, LcsEnvironment, LcsIntegration
from services.odata import segment
from domain.values import guid_or_text, iso_utc, normalize_guid, same_guid

SERVICE = "lcs"
API_VERSION = "2017-09-15"


class LcsPaths:
    """Every LCS path the product calls, relative to LCS_BASE_URL (regional hosts differ only there)."""

    @staticmethod
    def environment_detail(project_id: int) -> str:
        # The trailing slash before the query is how Microsoft documents this route.
        return f"/environmentinfo/v1/detail/project/{int(project_id)}/"

    @staticmethod
    def metadata_project(url: str) -> int | None:
        """The project of an environment metadata URL (None for any other LCS URL)."""
        match = re.search(r"/environmentinfo/v1/detail/project/(\d+)/", url)
        return int(match.group(1)) if match else None

    @staticmethod
    def integration(project_id: int, environment_id: str) -> str:
        return (f"/environment/v1/powerplatformintegration/project/{int(project_id)}"
                f"/environment/{segment(environment_id)}")

    @staticmethod
    def setup(project_id: int, environment_id: str) -> str:
        return (f"/environment/v1/powerplatformintegration/setup/project/{int(project_id)}"
                f"/environment/{segment(environment_id)}")


class ProjectRateLimiter:
    """At most `limit` calls per project in any sliding 60 seconds, in this process, counted where LCS
    counts them: on arrival. A call is known to have arrived only once its answer is back, so it holds
    its place from the moment it is let go (its token fetch and connection come after) until 60
    seconds after its answer. Waits through the injected sleep/clock; the lock is not held while
    waiting, so other projects go on."""

    WINDOW_SECONDS = 60.0
    IN_FLIGHT_POLL_SECONDS = 0.05  # every place is taken by a call still under way

    def __init__(self, limit: int, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        self._limit = limit
        self._sleep = sleep
        self._clock = clock
        self._places: dict[int, list[list[float]]] = {}
        self._lock = threading.Lock()
        self._open = threading.local()  # the places taken by the call under way on this thread

    @contextmanager
    def calling(self, project_id: int) -> Iterator[None]:
        """Hold a place for one metadata call (and each of its retries) until its answer is back."""
        opened: list[list[float]] = self._open.__dict__.setdefault("places", [])
        first = len(opened)
        self._take(project_id, opened)
        try:
            yield
        finally:
            answered = self._clock()
            with self._lock:
                for place in opened[first:]:
                    place[0] = answered
            del opened[first:]

    def _take(self, project_id: int, opened: list[list[float]]) -> None:
        if self._limit <= 0:
            return  # 0 turns the limiter off
        while True:
            with self._lock:
                now = self._clock()
                places = self._places.setdefault(project_id, [])
                places[:] = [p for p in places if p[0] > now - self.WINDOW_SECONDS]
                if len(places) < self._limit:
                    place = [math.inf]
                    places.append(place)
                    opened.append(place)
                    return
                answered = [p[0] for p in places if p[0] != math.inf]
                wait = min(answered) + self.WINDOW_SECONDS - now if answered else self.IN_FLIGHT_POLL_SECONDS
            self._sleep(wait)

    def count_retry(self, url: str) -> None:
        """Hook for the HTTP policy: a retried metadata call is a call too, held like its first attempt."""
        project = LcsPaths.metadata_project(url)
        opened = getattr(self._open, "places", None)
        if project is not None and opened is not None:
            self._take(project, opened)


class LcsClient:
    def __init__(self, http: ServiceHttp, base_url: str, account_upn: str, limiter: ProjectRateLimiter,
                 account: Callable[[str], LcsAccount]):
        self._http = http
        self._base = base_url.rstrip("/")
        self._account_upn = account_upn
        self._limiter = limiter
        self._account = account

    def get_environment(self, project_id: int, environment_id: str) -> LcsEnvironment | None:
        """The environment's metadata, or None when the project has no such environment."""
        environment_id = normalize_guid(environment_id)
        with self._limiter.calling(int(project_id)):
            body = self._get("get_environment", LcsPaths.environment_detail(project_id),
                             {"environmentId": environment_id})
        return find_environment(body, environment_id)

    def get_integration(self, project_id: int, environment_id: str) -> LcsIntegration:
        operation = "get_integration"
        body = self._get(operation, LcsPaths.integration(project_id, normalize_guid(environment_id)))
        data = _data(body, operation)
        if not data or not data.get("State"):
            # Guessing "NotConfigured" here could lead to a setup: an answer without a state is an error.
            raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "no Data.State in the answer")
        return parse_integration(data)

    def start_setup(self, project_id: int, environment_id: str, power_platform_environment_id: str,
                    confirmed_by: str) -> str:
        """Starts the irreversible setup; returns its SetupActivityId. Never retried here: a caller
        that lost the answer reads get_integration before deciding anything."""
        operation = "start_setup"
        body = self._http.post_json(
            operation, self._base + LcsPaths.setup(project_id, normalize_guid(environment_id)),
            json={"UseExistingPowerPlatformEnvironment": True,
                  "PowerPlatformEnvironmentId": normalize_guid(power_platform_environment_id),
                  "ConfirmedBy": confirmed_by},
            idempotent=False)
        activity = guid_or_text((_data(check_envelope(body, operation), operation) or {}).get("SetupActivityId"))
        if not activity:
            raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "no SetupActivityId in the answer")
        return activity

    def signed_in_account(self) -> LcsAccount:
        return self._account(self._account_upn)

    def _get(self, operation: str, path: str, params: dict[str, object] | None = None) -> dict[str, Any]:
        return check_envelope(self._http.get_json(operation, self._base + path, params=params), operation)


def check_envelope(body: Any, operation: str) -> dict[str, Any]:
    """The envelope itself when IsSuccess is true; LcsRequestRefused with LCS's ErrorMessage otherwise."""
    if not isinstance(body, dict) or "IsSuccess" not in body:
        raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "the answer is not an LCS envelope")
    if body["IsSuccess"] is not True:
        raise LcsRequestRefused(SERVICE, operation, 200, None,
                                str(body.get("ErrorMessage") or "IsSuccess is false, with no ErrorMessage"),
                                operation_activity_id=guid_or_text(body.get("OperationActivityId")))
    return body


def find_environment(envelope: dict[str, Any], environment_id: str) -> LcsEnvironment | None:
    for item in envelope.get("Data") or ():
        if isinstance(item, dict) and same_guid(item.get("EnvironmentId"), environment_id):
            return parse_environment(item)
    return None


def parse_environment(item: dict[str, Any]) -> LcsEnvironment:
    project = item.get("ProjectId")
    return LcsEnvironment(
        environment_id=guid_or_text(item.get("EnvironmentId")) or "",
        name=item.get("EnvironmentName"),
        project_id=int(project) if project is not None else None,
        environment_type=item.get("EnvironmentType"),
        deployment_state=item.get("DeploymentState"),
        deployment_status=item.get("DeploymentStatusDisplay"),
        region=item.get("CloudStorageLocation"),
        endpoint_url=item.get("EnvironmentEndpointBaseUrl"),
        product=item.get("EnvironmentProduct"),
    )


def parse_integration(data: dict[str, Any]) -> LcsIntegration:
    return LcsIntegration(
        state=data["State"],
        power_platform_environment_id=guid_or_text(data.get("PowerPlatformEnvironmentId")),
        initial_power_platform_environment_id=guid_or_text(data.get("InitialPowerPlatformEnvironmentId")),
        setup_activity_id=guid_or_text(data.get("SetupActivityId")),
        phase=data.get("Phase"),
        started_on=iso_utc(data.get("StartedOnUtc")),
        completed_on=iso_utc(data.get("CompletedOnUtc")),
        error_message=data.get("ErrorMessage"),
    )


def _data(envelope: dict[str, Any], operation: str) -> dict[str, Any] | None:
    data = envelope.get("Data")
    if data is not None and not isinstance(data, dict):
        raise ServiceError(SERVICE, operation, 200, "UnexpectedResponse", "Data is not an object")
    return data
