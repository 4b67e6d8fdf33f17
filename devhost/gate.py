"""A test hook: activities of a held name wait, still counted as busy, until they are released.

Lets a test keep one activity (say the phase-event publish) in flight while events arrive, to
reproduce an order of history that is otherwise a matter of timing (POST /admin/devhost/activities/hold).
"""
from __future__ import annotations

from .store import ActivityItem


class ActivityGate:
    """Not thread-safe on its own: the engine calls it under its condition's lock."""

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._parked: list[ActivityItem] = []

    def park(self, item: ActivityItem) -> bool:
        """Keep the item back if its activity is held (True), else let it run (False)."""
        if item.name not in self._held:
            return False
        self._parked.append(item)
        return True

    def hold(self, name: str) -> None:
        self._held.add(name)

    def release(self, name: str) -> list[ActivityItem]:
        """Stop holding `name`; returns the items that waited, to be queued again."""
        self._held.discard(name)
        released = [item for item in self._parked if item.name == name]
        self._parked = [item for item in self._parked if item.name != name]
        return released

    def snapshot(self) -> dict:
        return {"held": sorted(self._held),
                "waiting": [{"instanceId": i.instance_id, "name": i.name, "taskId": i.task_id} for i in self._parked]}
