"""Orchestration features end to end: retries, timers, events, fan-out, continue-as-new, queues."""
import json
import time

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from devhost.queues import API_VERSION


def start(host, name, instance_id, payload):
    answer = host.post(f"/api/orchestrators/{name}/{instance_id}", payload)
    assert answer.status == 202, answer.body
    return instance_id


def runs(host, key):
    path = host.state_dir.parent / "sample" / "runs" / key
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_activity_retries_until_success_or_attempts_run_out(sample_host):
    start(sample_host, "retrying", "orc-retry-ok", {"attempts": 3, "failures": 2, "key": "orc-retry-ok"})
    start(sample_host, "retrying", "orc-retry-out", {"attempts": 2, "failures": 9, "key": "orc-retry-out"})
    ok = sample_host.wait_for_status("orc-retry-ok")
    out = sample_host.wait_for_status("orc-retry-out")
    assert ok["output"] == {"result": "succeeded on attempt 3"}
    assert runs(sample_host, "flaky-orc-retry-ok") == 3
    assert out["output"] == {"failed": "Activity function 'flaky' failed: RuntimeError: flaky failure 2 "}
    assert runs(sample_host, "flaky-orc-retry-out") == 2
    kinds = [e["EventType"] for e in sample_host.status("orc-retry-out", show_history=True)["historyEvents"]]
    # attempt, retry timer, attempt, and the framework's one extra timer before giving up
    assert kinds == ["ExecutionStarted", "TaskFailed", "TimerCreated", "TimerFired", "TaskFailed",
                     "TimerCreated", "TimerFired", "ExecutionCompleted"]


def test_fan_out_fan_in_and_custom_status(sample_host):
    start(sample_host, "fan_out", "orc-fan", 12)
    assert sample_host.wait_for_status("orc-fan")["output"] == sum(n * n for n in range(12))


def test_timer_wins_a_race_with_an_event_and_the_event_wins_the_other(sample_host):
    start(sample_host, "approval", "orc-expire", {"timeoutSeconds": 1})
    start(sample_host, "approval", "orc-approve", {"timeoutSeconds": 3600})
    waiting = sample_host.wait_until(lambda: (s := sample_host.status("orc-approve"))["customStatus"] and s)
    assert waiting["customStatus"]["state"] == "waiting"
    assert sample_host.post("/runtime/webhooks/durabletask/instances/orc-approve/raiseEvent/approve",
                            {"by": "Adele"}).status == 202
    expired = sample_host.wait_for_status("orc-expire")
    approved = sample_host.wait_for_status("orc-approve")
    assert expired["output"]["expired"] is True and expired["customStatus"] == {"state": "expired"}
    assert approved["output"]["approved"] == {"by": "Adele"}
    # The losing one-hour timer was cancelled, so nothing is left to fire.
    assert sample_host.clock()["nextTimer"] is None


def test_event_raised_before_the_orchestrator_waits_is_buffered(sample_host):
    start(sample_host, "crashy", "orc-buffered", {"width": 1, "seconds": 0.3, "timerSeconds": 0,
                                                  "waitForEvent": True})
    assert sample_host.post("/runtime/webhooks/durabletask/instances/orc-buffered/raiseEvent/go", "early").status == 202
    done = sample_host.wait_for_status("orc-buffered")
    assert done["runtimeStatus"] == "Completed" and done["output"]["go"] == "early"


def test_continue_as_new_keeps_only_the_last_execution(sample_host):
    start(sample_host, "counter", "orc-counter", {"n": 0, "limit": 4})
    done = sample_host.wait_for_status("orc-counter")
    assert done["output"] == 4 and done["customStatus"] == {"n": 4}
    assert json.loads(done["input"]) == {"n": 4, "limit": 4}
    kinds = [e["EventType"] for e in sample_host.status("orc-counter", show_history=True)["historyEvents"]]
    assert kinds == ["ExecutionStarted", "ExecutionCompleted"]


def test_orchestrator_failure_is_reported(sample_host):
    answer = sample_host.post("/runtime/webhooks/durabletask/orchestrators/fan_out/orc-fail", "not a number")
    assert answer.status == 202
    failed = sample_host.wait_for_status("orc-fail")
    assert failed["runtimeStatus"] == "Failed"
    assert failed["output"].startswith("Orchestrator function 'fan_out' failed:")


def _queue(host, name, encoded=True):
    conn = host.env["AzureWebJobsStorage"]
    policy = {"message_encode_policy": TextBase64EncodePolicy()} if encoded else {}
    return QueueClient.from_connection_string(conn, name, api_version=API_VERSION,
                                              message_decode_policy=TextBase64DecodePolicy(), **policy)


def test_queue_trigger_starts_orchestrations_and_poison_messages_move_aside(sample_host):
    inbox = sample_host.env["SAMPLE_IN_QUEUE"]
    _queue(sample_host, inbox).send_message(json.dumps({"instanceId": "orc-from-queue", "names": ["Q"]}))
    _queue(sample_host, inbox).send_message("fail: bad request")
    assert sample_host.wait_for_status("orc-from-queue")["output"] == ["Hello Q!"]
    poison = _queue(sample_host, f"{inbox}-poison")

    def poisoned():
        try:
            return [m.content for m in poison.peek_messages(max_messages=5)]
        except ResourceNotFoundError:  # created with the first poison message
            return []

    assert sample_host.wait_until(poisoned, timeout=30) == ["fail: bad request"]
    assert sample_host.logs().count("Executed 'Functions.intake' (Failed") == 3  # maxDequeueCount in host.json
    assert list(_queue(sample_host, inbox).peek_messages()) == []


def test_activity_queue_output_is_sent_on_success(sample_host):
    start(sample_host, "publisher", "orc-publish", {"hello": "queue"})
    assert sample_host.wait_for_status("orc-publish")["output"] == "published"
    outbox = _queue(sample_host, sample_host.env["SAMPLE_OUT_QUEUE"])
    deadline = time.monotonic() + 10
    while not (messages := list(outbox.peek_messages())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [json.loads(m.content) for m in messages] == [{"hello": "queue"}]


def _raise(host, instance_id, name, value):
    answer = host.post(f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/{name}", value)
    assert answer.status == 202, answer.body


def test_continue_as_new_discards_events_the_execution_did_not_take(sample_host):
    """As the Python SDK does (azure-functions-durable-python #331: no preserveUnprocessedEvents):
    two events reach the first execution, it takes one and continues as new; the other is gone."""
    start(sample_host, "rollover", "orc-rollover-drop", {"round": 0, "seconds": 1, "waitSeconds": 2})
    _raise(sample_host, "orc-rollover-drop", "go", "a")
    _raise(sample_host, "orc-rollover-drop", "go", "b")
    done = sample_host.wait_for_status("orc-rollover-drop")
    assert done["runtimeStatus"] == "Completed" and done["output"]["second"] is None
    assert done["output"]["first"] in ("a", "b")


def test_an_event_raised_after_continue_as_new_reaches_the_new_execution(sample_host):
    start(sample_host, "rollover", "orc-rollover-keep", {"round": 0, "seconds": 0, "waitSeconds": 600})
    _raise(sample_host, "orc-rollover-keep", "go", "a")
    sample_host.wait_until(lambda: sample_host.status("orc-rollover-keep")["customStatus"] == {"round": 1})
    _raise(sample_host, "orc-rollover-keep", "go", "c")
    done = sample_host.wait_for_status("orc-rollover-keep")
    assert done["output"] == {"first": "a", "second": "c"}


def test_a_custom_status_over_16_kb_of_utf16_fails_the_orchestration_like_the_extension(sample_host):
    # 8,000 characters of JSON text are 15 KB in UTF-16: allowed. 9,000 are 17 KB: the extension fails
    # the orchestration (durable extension PR #3113) and keeps the status it had.
    start(sample_host, "big_status", "orc-status-fits", 8000)
    start(sample_host, "big_status", "orc-status-too-big", 9000)
    assert sample_host.wait_for_status("orc-status-fits")["runtimeStatus"] == "Completed"
    failed = sample_host.wait_for_status("orc-status-too-big")
    assert failed["runtimeStatus"] == "Failed" and failed["customStatus"] is None
    assert failed["output"] == ("Orchestrator function 'big_status' failed: CustomStatus is too large: "
                                "limit = 16 KB (UTF-16), actual = 17 KB.")
