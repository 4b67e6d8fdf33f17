"""Queue triggers and queue output bindings on Azure Storage queues (Azurite locally).

Host semantics: messages are base64 text unless host.json's queues.messageEncoding is "none"
(then trigger messages reach the function as they are, and outputs are written as given); a
message that is not base64 under "base64" fails before the function runs. A message is leased (invisible)
while its function runs; on failure it becomes visible again after
host.json's visibilityTimeout; once it has been dequeued maxDequeueCount
times and failed, it is copied unchanged to ``<queue>-poison`` and deleted.
Output bindings are sent only when the function succeeds.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.functions import meta
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from .busy import Busy
from .functions import FunctionInfo, Invoker, encode_queue_messages
from .settings import QueueOptions, development_connection_string, expand, is_development_storage

log = logging.getLogger("devhost")

# azure-storage-queue 12.18 defaults to a service version newer than Azurite 3.35 accepts.
API_VERSION = "2025-11-05"
LEASE_SECONDS = 30


class QueueClients:
    """Clients per (connection setting, queue); resolves settings and %expressions% like the host."""

    def __init__(self, environ: Mapping[str, str], azurite_queue_url: str, message_encoding: str = "base64") -> None:
        self._environ = environ
        self.message_encoding = message_encoding
        self._azurite_queue_url = azurite_queue_url
        self._clients: dict[tuple[str, str, bool], QueueClient] = {}
        self._created: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._send_listeners: list[Callable[[str], None]] = []

    def connection_string(self, setting: str | None) -> str:
        name = setting or "AzureWebJobsStorage"
        value = self._environ.get(name) or self._environ.get(f"AzureWebJobs{name}")
        if not value:
            raise KeyError(f"the connection setting {name!r} is not set (local.settings.json Values)")
        if is_development_storage(value):
            return development_connection_string(self._azurite_queue_url)
        return value

    def queue_name(self, binding: Mapping[str, Any]) -> str:
        return expand(str(binding["queueName"]), self._environ).lower()

    def client(self, setting: str | None, queue: str, encoded: bool) -> QueueClient:
        """A client for the queue, which is created on first use (as output bindings do)."""
        key = (setting or "AzureWebJobsStorage", queue, encoded)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = QueueClient.from_connection_string(
                    self.connection_string(setting),
                    queue,
                    api_version=API_VERSION,
                    message_encode_policy=TextBase64EncodePolicy() if encoded else None,
                    connection_timeout=5,
                    read_timeout=30,
                    retry_total=2,
                )
                self._clients[key] = client
            created = (key[0], queue) in self._created
        if not created:
            try:
                client.create_queue()
            except ResourceExistsError:
                pass
            with self._lock:
                self._created.add((key[0], queue))
        return client

    def on_send(self, listener: Callable[[str], None]) -> None:
        self._send_listeners.append(listener)

    def send(self, binding: Mapping[str, Any], value: Any) -> None:
        queue = self.queue_name(binding)
        client = self.client(binding.get("connection"), queue, encoded=self.message_encoding == "base64")
        for message in encode_queue_messages(value):
            if isinstance(message, bytes):
                client.send_message(message.decode("utf-8"))
            else:
                client.send_message(message)
        for listener in self._send_listeners:
            listener(queue)


@dataclass
class _Leased:
    message: Any
    leased_at: float


class QueueListener:
    """Polls one queue for one queue-triggered function (like the host's QueueListener)."""

    def __init__(
        self,
        function: FunctionInfo,
        clients: QueueClients,
        options: QueueOptions,
        invoker: Invoker,
        busy: Busy,
        report: Callable[[FunctionInfo, str, float, str, BaseException | None], None],
    ) -> None:
        self.function = function
        self.queue = clients.queue_name(function.trigger)
        self._setting = function.trigger.get("connection")
        self._clients = clients
        self._options = options
        self._invoker = invoker
        self._busy = busy
        self._report = report
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: dict[str, _Leased] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=options.batch_size + options.new_batch_threshold, thread_name_prefix=f"queue-{self.queue}"
        )
        self._thread = threading.Thread(target=self._run, name=f"listener-{self.queue}", daemon=True)
        clients.on_send(lambda queue: self._wake.set() if queue == self.queue else None)

    @property
    def raw(self) -> QueueClient:
        return self._clients.client(self._setting, self.queue, encoded=False)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def has_messages(self) -> bool:
        """Visible or invisible messages (e.g. waiting for a retry): either means work is still coming."""
        try:
            return self.raw.get_queue_properties().approximate_message_count > 0
        except ResourceNotFoundError:
            return False
        except Exception as error:  # storage unreachable: it cannot deliver anything either
            log.debug("queue %s: could not read its length (%s)", self.queue, error)
            return False

    def _run(self) -> None:
        delay = 0.1
        max_delay = max(self._options.max_polling_interval.total_seconds(), 0.1)
        while not self._stop.is_set():
            self._renew_leases()
            with self._lock:
                room = self._options.batch_size - len(self._in_flight)
                busy_enough = len(self._in_flight) > self._options.new_batch_threshold
            if room <= 0 or busy_enough:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                messages = list(
                    self.raw.receive_messages(  # self.raw creates the queue on first use
                        max_messages=room, messages_per_page=room, visibility_timeout=LEASE_SECONDS
                    )
                )
            except Exception as error:  # Azurite down or restarting: back off, keep polling
                log.warning("queue %s: receive failed (%s); retrying", self.queue, type(error).__name__)
                messages = []
            if not messages:
                with self._lock:
                    leased = bool(self._in_flight)
                # Wake up in time to renew the leases of messages still being processed.
                self._wake.wait(min(delay, LEASE_SECONDS / 3) if leased else delay)
                self._wake.clear()
                delay = min(delay * 2, max_delay)
                continue
            delay = 0.1
            for message in messages:
                with self._lock:
                    self._in_flight[message.id] = _Leased(message, time.monotonic())
                self._busy.add("queue-messages")
                self._pool.submit(self._process, message)

    def _renew_leases(self) -> None:
        now = time.monotonic()
        with self._lock:
            stale = [lease for lease in self._in_flight.values() if now - lease.leased_at > LEASE_SECONDS / 3]
        for lease in stale:
            try:
                updated = self.raw.update_message(lease.message, visibility_timeout=LEASE_SECONDS)
                lease.message.pop_receipt = updated.pop_receipt
                lease.leased_at = now
            except Exception as error:
                log.warning("queue %s: could not renew lease of %s (%s)", self.queue, lease.message.id, error)

    def _process(self, message: Any) -> None:
        started = time.monotonic()
        try:
            if message.dequeue_count > self._options.max_dequeue_count:
                self._poison(message)
                return
            error: BaseException | None = None
            invocation_id = str(uuid.uuid4())
            try:
                datum = _body_datum(message.content, self._options.message_encoding)
                invocation = self._invoker.call(self.function, datum, _metadata(message), invocation_id)
                for binding, value in invocation.outputs:
                    if binding["type"] == "queue":
                        self._clients.send(binding, value)
                binding = self.function.return_binding
                if binding and binding["type"] == "queue" and invocation.result is not None:
                    self._clients.send(binding, invocation.result)
            except Exception as failure:
                error = failure
            self._report(
                self.function,
                invocation_id,
                time.monotonic() - started,
                f"queue={self.queue} message={message.id} dequeueCount={message.dequeue_count}",
                error,
            )
            with self._lock:
                current = self._in_flight[message.id].message
            if error is None:
                self.raw.delete_message(current)
            elif message.dequeue_count >= self._options.max_dequeue_count:
                self._poison(current)
            else:
                self.raw.update_message(
                    current, visibility_timeout=int(self._options.visibility_timeout.total_seconds())
                )
        except Exception as error:
            log.error("queue %s: message %s could not be settled: %s", self.queue, message.id, error)
        finally:
            with self._lock:
                self._in_flight.pop(message.id, None)
            self._busy.add("queue-messages", -1)
            self._wake.set()

    def _poison(self, message: Any) -> None:
        poison = f"{self.queue}-poison"
        self._clients.client(self._setting, poison, encoded=False).send_message(message.content)
        self.raw.delete_message(message)
        log.warning(
            "queue %s: message %s moved to %s after %d dequeues", self.queue, message.id, poison, message.dequeue_count
        )


def _body_datum(content: str, encoding: str) -> meta.Datum:
    if encoding == "none":
        return meta.Datum(content, "string")
    raw = base64.b64decode(content, validate=True)
    try:
        return meta.Datum(raw.decode("utf-8"), "string")
    except UnicodeDecodeError:
        return meta.Datum(raw, "bytes")


def _metadata(message: Any) -> dict[str, meta.Datum]:
    def stamp(value: Any) -> meta.Datum | None:
        return meta.Datum(value.isoformat(), "string") if value else None

    fields = {
        "Id": meta.Datum(message.id, "string"),
        "DequeueCount": meta.Datum(message.dequeue_count, "int"),
        "PopReceipt": meta.Datum(message.pop_receipt, "string"),
        "InsertionTime": stamp(message.inserted_on),
        "ExpirationTime": stamp(message.expires_on),
        "NextVisibleTime": stamp(message.next_visible_on),
    }
    return {k: v for k, v in fields.items() if v is not None}
