"""SQLite persistence for the Durable engine: instances, history, messages and activity work items.

Every change that matters is committed before it is acknowledged (WAL mode,
synchronous=NORMAL survives a killed process), so a SIGKILL at any moment
loses nothing: messages (events for an orchestration, including due timers)
stay until the episode that consumed them commits, and activity work items
stay until their result has been turned into a message.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from .history import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    execution_id TEXT NOT NULL,
    runtime_status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created_time TEXT NOT NULL,
    last_updated_time TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created_time);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    timer_id INTEGER,
    due_at TEXT,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_instance ON messages (instance_id, id);
CREATE INDEX IF NOT EXISTS messages_due ON messages (due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT
);
CREATE INDEX IF NOT EXISTS activities_instance ON activities (instance_id);
"""


@dataclass(frozen=True)
class Instance:
    instance_id: str
    name: str
    version: str
    execution_id: str
    runtime_status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created_time: str
    last_updated_time: str
    rev: int


@dataclass(frozen=True)
class Message:
    id: int
    execution_id: str | None
    event: Event
    due_at: str | None


@dataclass(frozen=True)
class ActivityItem:
    id: int
    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class NewTimer:
    timer_id: int
    due_at: str
    event: Event


@dataclass
class EpisodeCommit:
    """Everything one orchestrator episode changes, written in one transaction."""

    instance_id: str
    expected_rev: int
    consumed: Sequence[int]
    runtime_status: str
    last_updated_time: str
    append_events: list[Event] = field(default_factory=list)
    custom_status: str | None = None
    output: str | None = None
    new_activities: list[tuple[int, str, str | None]] = field(default_factory=list)
    new_timers: list[NewTimer] = field(default_factory=list)
    cancel_timers: Sequence[int] = ()
    # Completion, termination and continue-as-new end the current execution's pending work.
    end_execution: bool = False
    continue_as_new: tuple[str, Event] | None = None  # (new execution id, its ExecutionStarted event)


_INSTANCE_COLUMNS = (
    "instance_id, name, version, execution_id, runtime_status, input, output, custom_status, "
    "created_time, last_updated_time, rev"
)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        # Test hook (POST /admin/devhost/storage): refuse every write as SQLite does when its disk
        # is full, at the start of the write transaction, so nothing is half-written.
        self.full = False

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self.full:
                raise sqlite3.OperationalError("database or disk is full")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back itself (SQLITE_FULL does)
                    self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- instances ----------------------------------------------------------
    def get_instance(self, instance_id: str) -> Instance | None:
        rows = self._query(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?", (instance_id,))
        return Instance(*rows[0]) if rows else None

    def list_instances(
        self,
        created_from: str | None = None,
        created_to: str | None = None,
        statuses: Sequence[str] = (),
        prefix: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[Instance]:
        clauses, params = [], []
        if created_from:
            clauses.append("created_time >= ?")
            params.append(created_from)
        if created_to:
            clauses.append("created_time <= ?")
            params.append(created_to)
        if statuses:
            clauses.append(f"runtime_status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if prefix:
            clauses.append("substr(instance_id, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        if after:
            clauses.append("instance_id > ?")
            params.append(after)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        rows = self._query(f"SELECT {_INSTANCE_COLUMNS} FROM instances {where} ORDER BY instance_id{tail}", params)
        return [Instance(*row) for row in rows]

    def history(self, instance_id: str) -> list[Event]:
        rows = self._query("SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [json.loads(row[0]) for row in rows]

    def start_instance(
        self,
        instance_id: str,
        name: str,
        version: str,
        input_text: str | None,
        now: str,
        started_event: Event,
        refuse_statuses: frozenset[str],
    ) -> tuple[bool, Instance | None]:
        """Create (or replace) an instance. Returns (started, existing instance when refused)."""
        with self._tx() as db:
            existing = _instance_in(db, instance_id)
            if existing and existing.runtime_status in refuse_statuses:
                return False, existing
            self._delete_instance_rows(db, instance_id, keep_instance=False)
            execution_id = started_event["OrchestrationInstance"]["ExecutionId"]
            db.execute(
                f"INSERT INTO instances ({_INSTANCE_COLUMNS}) VALUES (?, ?, ?, ?, 'Pending', ?, NULL, NULL, ?, ?, ?)",
                (instance_id, name, version, execution_id, input_text, now, now, (existing.rev + 1) if existing else 0),
            )
            db.execute(
                "INSERT INTO messages (instance_id, execution_id, event) VALUES (?, ?, ?)",
                (instance_id, execution_id, json.dumps(started_event)),
            )
            return True, None

    @staticmethod
    def _delete_instance_rows(db: sqlite3.Connection, instance_id: str, keep_instance: bool) -> None:
        db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        db.execute("DELETE FROM messages WHERE instance_id = ?", (instance_id,))
        db.execute("DELETE FROM activities WHERE instance_id = ?", (instance_id,))
        if not keep_instance:
            db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))

    def post_message(
        self, instance_id: str, event: Event, refuse_statuses: frozenset[str], execution_scoped: bool = False
    ) -> tuple[Instance | None, bool]:
        """Queue an event for an instance unless it is missing or in a refused status.

        Returns (instance, posted)."""
        with self._tx() as db:
            instance = _instance_in(db, instance_id)
            if instance is None:
                return None, False
            if instance.runtime_status in refuse_statuses:
                return instance, False
            db.execute(
                "INSERT INTO messages (instance_id, execution_id, event) VALUES (?, ?, ?)",
                (instance_id, instance.execution_id if execution_scoped else None, json.dumps(event)),
            )
            return instance, True

    def purge(self, instance_id: str, only_statuses: frozenset[str]) -> tuple[Instance | None, bool]:
        with self._tx() as db:
            instance = _instance_in(db, instance_id)
            if instance is None:
                return None, False
            if instance.runtime_status not in only_statuses:
                return instance, False
            self._delete_instance_rows(db, instance_id, keep_instance=False)
            return instance, True

    # -- episodes -----------------------------------------------------------
    def due_messages(self, instance_id: str, now: str) -> list[Message]:
        rows = self._query(
            "SELECT id, execution_id, event, due_at FROM messages "
            "WHERE instance_id = ? AND (due_at IS NULL OR due_at <= ?) ORDER BY id",
            (instance_id, now),
        )
        return [Message(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]

    def drop_messages(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self._tx() as db:
            db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in ids])

    def commit_episode(self, change: EpisodeCommit) -> bool:
        with self._tx() as db:
            row = db.execute(
                "SELECT rev, execution_id FROM instances WHERE instance_id = ?", (change.instance_id,)
            ).fetchone()
            if row is None or row[0] != change.expected_rev:
                return False
            execution_id = row[1]
            iid = change.instance_id
            db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in change.consumed])
            if change.cancel_timers:
                db.executemany(
                    "DELETE FROM messages WHERE instance_id = ? AND execution_id = ? AND timer_id = ?",
                    [(iid, execution_id, t) for t in change.cancel_timers],
                )
            if change.end_execution:
                db.execute(
                    "DELETE FROM messages WHERE instance_id = ? AND execution_id = ? AND due_at IS NOT NULL",
                    (iid, execution_id),
                )
                db.execute("DELETE FROM activities WHERE instance_id = ? AND execution_id = ?", (iid, execution_id))
            db.executemany(
                "INSERT INTO activities (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)",
                [(iid, execution_id, task_id, name, data) for task_id, name, data in change.new_activities],
            )
            db.executemany(
                "INSERT INTO messages (instance_id, execution_id, timer_id, due_at, event) VALUES (?, ?, ?, ?, ?)",
                [(iid, execution_id, t.timer_id, t.due_at, json.dumps(t.event)) for t in change.new_timers],
            )
            if change.continue_as_new:
                new_execution, started = change.continue_as_new
                db.execute("DELETE FROM history WHERE instance_id = ?", (iid,))
                db.execute(
                    "INSERT INTO messages (instance_id, execution_id, event) VALUES (?, ?, ?)",
                    (iid, new_execution, json.dumps(started)),
                )
                db.execute(
                    "UPDATE instances SET execution_id = ?, input = ?, output = NULL WHERE instance_id = ?",
                    (new_execution, started.get("Input"), iid),
                )
            else:
                start = db.execute("SELECT COUNT(*) FROM history WHERE instance_id = ?", (iid,)).fetchone()[0]
                db.executemany(
                    "INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)",
                    [(iid, start + n, json.dumps(e)) for n, e in enumerate(change.append_events)],
                )
                db.execute("UPDATE instances SET output = ? WHERE instance_id = ?", (change.output, iid))
            db.execute(
                "UPDATE instances SET runtime_status = ?, custom_status = ?, last_updated_time = ?, rev = rev + 1 "
                "WHERE instance_id = ?",
                (change.runtime_status, change.custom_status, change.last_updated_time, iid),
            )
            return True

    # -- activities and timers ----------------------------------------------
    def activities(self, instance_id: str | None = None) -> list[ActivityItem]:
        if instance_id:
            rows = self._query(
                "SELECT id, instance_id, execution_id, task_id, name, input FROM activities WHERE instance_id = ?",
                (instance_id,),
            )
        else:
            rows = self._query("SELECT id, instance_id, execution_id, task_id, name, input FROM activities ORDER BY id")
        return [ActivityItem(*row) for row in rows]

    def complete_activity(self, item: ActivityItem, event: Event) -> bool:
        """Turn an activity result into a message for its orchestration, atomically."""
        with self._tx() as db:
            deleted = db.execute("DELETE FROM activities WHERE id = ?", (item.id,)).rowcount
            if deleted:
                db.execute(
                    "INSERT INTO messages (instance_id, execution_id, event) VALUES (?, ?, ?)",
                    (item.instance_id, item.execution_id, json.dumps(event)),
                )
            return bool(deleted)

    def pending_timers(self) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in self._query(
            "SELECT due_at, instance_id FROM messages WHERE due_at IS NOT NULL"
        )]

    def timer_pending(self, instance_id: str, due_at: str) -> bool:
        return bool(self._query(
            "SELECT 1 FROM messages WHERE instance_id = ? AND due_at = ? LIMIT 1", (instance_id, due_at)
        ))

    def instances_with_messages(self, now: str) -> list[str]:
        return [row[0] for row in self._query(
            "SELECT DISTINCT instance_id FROM messages WHERE due_at IS NULL OR due_at <= ?", (now,)
        )]


def new_execution_id() -> str:
    return uuid.uuid4().hex


def _instance_in(db: sqlite3.Connection, instance_id: str) -> Instance | None:
    row = db.execute(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
    return Instance(*row) if row else None
