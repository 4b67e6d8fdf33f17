"""The orchestration engine: a ready queue of instances, orchestrator and activity worker pools, timers.

Work is driven by condition variables, never by polling SQLite in a loop:
storing a message marks its instance ready; an orchestrator worker runs one
episode per instance at a time; activity results become messages in the same
transaction that removes the work item; timers wait in a heap.
"""
from __future__ import annotations

import heapq
import logging
import threading
import time
import traceback
import uuid
from collections import deque
from datetime import datetime
from typing import Callable

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from . import history as h
from .busy import Busy
from .client import DurableClient
from .clock import Clock
from .episode import plan_episode
from .functions import FunctionInfo, Invoker
from .gate import ActivityGate
from .settings import DurableOptions
from .store import ActivityItem, Store
from .timeutil import fmt_event, parse_iso

log = logging.getLogger("devhost")

class Engine:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        busy: Busy,
        invoker: Invoker,
        functions: list[FunctionInfo],
        options: DurableOptions,
        send_output: Callable[[dict, object], None],
        report: Callable[[FunctionInfo, str, float, str, BaseException | None], None],
        timer_gate: Callable[[], bool] = lambda: True,
        idle_grace_seconds: float = 0.0,
    ) -> None:
        """``timer_gate`` is asked before a virtual-time jump (False = work is still on its way)."""
        self.store = store
        self.clock = clock
        self.busy = busy
        self.options = options
        self._invoker = invoker
        self._send_output = send_output
        self._report = report
        self.orchestrators = {f.name: f for f in functions if f.trigger_type == "orchestrationTrigger"}
        self.activities = {f.name: f for f in functions if f.trigger_type == "activityTrigger"}
        self._cond = busy.changed
        self._ready: deque[str] = deque()
        self._ready_set: set[str] = set()
        self._running: set[str] = set()
        self._dirty: set[str] = set()
        self._activity_queue: deque[ActivityItem] = deque()
        self._activity_ids: set[int] = set()
        self._timers: list[tuple[str, str]] = []
        self._gate = ActivityGate()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self.timer_gate = timer_gate
        self.idle_grace_seconds = idle_grace_seconds
        self.client = DurableClient(store, clock, options, self.orchestrators, self.mark_ready)

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> None:
        self.resume_stored_work()
        for n in range(max(1, self.options.max_concurrent_orchestrators)):
            self._spawn(self._orchestrator_worker, f"orchestrator-{n}")
        for n in range(max(1, self.options.max_concurrent_activities)):
            self._spawn(self._activity_worker, f"activity-{n}")
        self._spawn(self._timer_loop, "timers")

    def resume_stored_work(self) -> None:
        """Schedule what the store holds: at start-up, and after writes failed (storage full), when
        episodes and activity results that could not be committed are still waiting there."""
        now = fmt_event(self.clock.now())
        for instance_id in self.store.instances_with_messages(now):
            self.mark_ready(instance_id)
        for item in self.store.activities():
            self._enqueue_activity(item)
        with self._cond:
            for due_at, instance_id in self.store.pending_timers():
                heapq.heappush(self._timers, (due_at, instance_id))
            self._cond.notify_all()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # -- scheduling ---------------------------------------------------------
    def mark_ready(self, instance_id: str) -> None:
        with self._cond:
            if instance_id in self._running:
                self._dirty.add(instance_id)
            elif instance_id not in self._ready_set:
                self._ready_set.add(instance_id)
                self._ready.append(instance_id)
                self.busy.add("orchestrations")
            self._cond.notify_all()

    def _enqueue_activity(self, item: ActivityItem) -> None:
        with self._cond:
            if item.id in self._activity_ids:
                return
            self._activity_ids.add(item.id)
            self._activity_queue.append(item)
            self.busy.add("activities")
            self._cond.notify_all()

    def _push_timer(self, due_at: str, instance_id: str) -> None:
        with self._cond:
            heapq.heappush(self._timers, (due_at, instance_id))
            self._cond.notify_all()

    def next_timer(self) -> str | None:
        """The earliest pending timer; cancelled or finished timers are dropped from the heap here."""
        with self._cond:
            while self._timers and not self.store.timer_pending(self._timers[0][1], self._timers[0][0]):
                heapq.heappop(self._timers)
            return self._timers[0][0] if self._timers else None

    def _orchestrator_worker(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                instance_id = self._ready.popleft()
                self._ready_set.discard(instance_id)
                self._running.add(instance_id)
            try:
                self._run_episode(instance_id)
            except Exception:
                log.exception("instance=%s: episode failed inside devhost", instance_id)
            with self._cond:
                self._running.discard(instance_id)
                if instance_id in self._dirty:
                    self._dirty.discard(instance_id)
                    self._ready_set.add(instance_id)
                    self._ready.append(instance_id)
                else:
                    self.busy.add("orchestrations", -1)
                self._cond.notify_all()

    def _activity_worker(self) -> None:
        while True:
            with self._cond:
                while not self._activity_queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                item = self._activity_queue.popleft()
                if self._gate.park(item):
                    continue
            try:
                self._run_activity(item)
            except Exception:
                log.exception("instance=%s: activity %s failed inside devhost", item.instance_id, item.name)
            finally:
                with self._cond:
                    self._activity_ids.discard(item.id)
                    self.busy.add("activities", -1)

    def gate_activity(self, name: str, held: bool) -> None:
        """Hold (or release) every work item of one activity (devhost.gate)."""
        with self._cond:
            if held:
                self._gate.hold(name)
            else:
                self._activity_queue.extend(self._gate.release(name))
                self._cond.notify_all()

    def activity_gate(self) -> dict:
        with self._cond:
            return self._gate.snapshot()

    def _timer_loop(self) -> None:
        while not self._stopping:
            try:
                self._timer_step()
            except Exception:
                log.exception("timer loop failed; continuing")
                time.sleep(0.5)

    def _timer_step(self) -> None:
        """Release due timers, wait for the next one, or (virtual time, idle) jump the clock to it."""
        while True:
            jump_to: tuple[str, str] | None = None
            with self._cond:
                if self._stopping:
                    return
                now = self.clock.now()
                stamp = fmt_event(now)
                due = []
                while self._timers and self._timers[0][0] <= stamp:
                    due.append(heapq.heappop(self._timers))
                if due:
                    for _, instance_id in due:
                        self.mark_ready(instance_id)
                    continue
                upcoming = self._timers[0] if self._timers else None
                if not self.clock.virtual:
                    wait = (parse_iso(upcoming[0]) - now).total_seconds() if upcoming else 60.0
                    self._cond.wait(max(0.001, min(wait, 60.0)))
                    continue
                if (
                    upcoming is None
                    or self.clock.held
                    or not self.busy.idle()
                    or self.busy.quiet_for() < self.idle_grace_seconds
                ):
                    self._cond.wait(0.05 if upcoming else 1.0)
                    continue
                jump_to = upcoming
            # Outside the lock: these touch SQLite, Azurite and the sandbox.
            if not self.store.timer_pending(jump_to[1], jump_to[0]):
                with self._cond:
                    if self._timers and self._timers[0] == jump_to:
                        heapq.heappop(self._timers)
                continue
            if not self.timer_gate():
                with self._cond:
                    self._cond.wait(0.1)
                continue
            with self._cond:
                # Under the lock, so no request or work item can start between this check and the jump.
                if self.busy.idle() and not self.clock.held and self.clock.advance_to(parse_iso(jump_to[0])):
                    log.info("virtual clock jumped to %s (next timer, instance=%s)", jump_to[0], jump_to[1])

    def advance_clock(self, moment: datetime) -> bool:
        moved = self.clock.advance_to(moment)
        with self._cond:
            self._cond.notify_all()
        return moved

    # -- episodes -----------------------------------------------------------
    def _run_episode(self, instance_id: str) -> None:
        instance = self.store.get_instance(instance_id)
        if instance is None:
            return
        now = self.clock.now()
        messages = self.store.due_messages(instance_id, fmt_event(now))
        if not messages:
            return
        started = time.monotonic()
        past = self.store.history(instance_id)
        episode = plan_episode(instance, past, messages, now, self._handle_for)
        if episode.commit is None:
            self.store.drop_messages(episode.drop)
            return
        if not self.store.commit_episode(episode.commit):
            self.mark_ready(instance_id)  # the instance changed underneath (restart, purge): look again
            return
        change = episode.commit
        function = self.orchestrators.get(instance.name)
        if function is not None and instance.runtime_status != "Suspended" and change.runtime_status != "Suspended":
            detail = f"instance={instance_id} new actions={episode.actions_scheduled}"
            self._report(function, str(uuid.uuid4()), time.monotonic() - started, detail, None)
        new_status = change.runtime_status
        if episode.continued_as_new:
            log.info("instance=%s orchestration %s: %s -> ContinuedAsNew -> Running", instance_id, instance.name,
                     instance.runtime_status)
        elif new_status != instance.runtime_status:
            suffix = f" ({episode.error})" if episode.error else ""
            log.info("instance=%s orchestration %s: %s -> %s%s", instance_id, instance.name,
                     instance.runtime_status, new_status, suffix)
        for item in self.store.activities(instance_id):
            self._enqueue_activity(item)
        for timer in change.new_timers:
            self._push_timer(timer.due_at, instance_id)
        if self.store.due_messages(instance_id, fmt_event(self.clock.now())):
            self.mark_ready(instance_id)

    def _handle_for(self, name: str):
        function = self.orchestrators.get(name)
        return function.func if function else None

    # -- activities ---------------------------------------------------------
    def _run_activity(self, item: ActivityItem) -> None:
        function = self.activities.get(item.name)
        started = time.monotonic()
        invocation_id = str(uuid.uuid4())
        error: BaseException | None = None
        if function is None:
            event = h.task_failed(
                self.clock.now(),
                item.task_id,
                f"The function '{item.name}' doesn't exist, is disabled, or is not an activity function.",
                "",
            )
        else:
            try:
                invocation = self._invoker.call(function, meta.Datum(item.input, "json"), None, invocation_id)
                result = ActivityTriggerConverter.encode(invocation.result, expected_type=None).value
                for binding, value in invocation.outputs:
                    self._send_output(binding, value)
                event = h.task_completed(self.clock.now(), item.task_id, result)
            except Exception as failure:
                error = failure
                event = h.task_failed(
                    self.clock.now(),
                    item.task_id,
                    f"Activity function '{item.name}' failed: {type(failure).__name__}: {failure}",
                    "".join(traceback.format_exception(failure)),
                )
            self._report(
                function, invocation_id, time.monotonic() - started,
                f"instance={item.instance_id} taskId={item.task_id}", error,
            )
        if self.store.complete_activity(item, event):
            self.mark_ready(item.instance_id)
