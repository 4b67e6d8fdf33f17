"""The SDK's own DurableOrchestrationClient against devhost, and the public Durable HTTP API routes."""
import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from azure.durable_functions import OrchestrationRuntimeStatus as Status

from devhost.testing import run_client

DONE = {Status.Completed, Status.Failed, Status.Terminated}


async def wait_for(client, instance_id, statuses=DONE, timeout=20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = await client.get_status(instance_id)
        if status and status.runtime_status in statuses:
            return status
        assert asyncio.get_running_loop().time() < deadline, f"{instance_id} stuck in {status.runtime_status}"
        await asyncio.sleep(0.05)


def test_start_status_and_history_through_the_sdk_client(sample_host):
    async def work(client):
        generated = await client.start_new("sequence", None, ["Ada", "Grace"])
        chosen = await client.start_new("sequence", "api-seq-chosen", ["Linus"])
        done = await wait_for(client, generated)
        assert len(generated) == 32 and chosen == "api-seq-chosen"
        assert done.runtime_status == Status.Completed
        assert done.output == ["Hello Ada!", "Hello Grace!"]
        # Like the extension: the SDK posted JSON text, so the stored input is that text.
        assert json.loads(done.input_) == ["Ada", "Grace"]
        with_history = await client.get_status(generated, show_history=True, show_history_output=True)
        kinds = [e["EventType"] for e in with_history.historyEvents]
        assert kinds == ["ExecutionStarted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"]
        assert with_history.historyEvents[1]["FunctionName"] == "say_hello"
        assert with_history.historyEvents[1]["Result"] == "Hello Ada!"
        assert not hasattr((await client.get_status(generated)), "historyEvents")
        assert (await wait_for(client, chosen)).output == ["Hello Linus!"]
        assert not await client.get_status("api-no-such-instance")

    run_client(sample_host.client_binding(), work)


def test_raise_event_terminate_purge_and_their_error_codes(sample_host):
    async def work(client):
        waiting = await client.start_new("approval", "api-approval", {"timeoutSeconds": 600})
        await wait_for(client, waiting, {Status.Running})
        with pytest.raises(Exception, match="No instance with ID api-missing found"):
            await client.raise_event("api-missing", "approve", {"by": "x"})
        with pytest.raises(Exception, match="already exists"):
            await client.start_new("approval", waiting, {})  # host.json: NonRunningStates -> 409
        await client.raise_event(waiting, "approve", {"by": "Adele"})
        approved = await wait_for(client, waiting)
        assert approved.custom_status == {"state": "approved"}
        # The extension hands the SDK's JSON text through as the event payload.
        assert json.loads(approved.output["approved"]) == {"by": "Adele"}
        with pytest.raises(Exception, match="is gone"):
            await client.raise_event(waiting, "approve", {"by": "late"})

        doomed = await client.start_new("approval", "api-terminate", {"timeoutSeconds": 600})
        await wait_for(client, doomed, {Status.Running})
        with pytest.raises(Exception, match="unexpected status code 412"):
            await client.purge_instance_history(doomed)  # only finished instances can be purged
        await client.terminate(doomed, "operator said stop")
        terminated = await wait_for(client, doomed)
        assert terminated.runtime_status == Status.Terminated
        assert terminated.output == "operator said stop"
        await client.terminate(doomed, "again")  # 410: the SDK accepts it silently
        with pytest.raises(Exception, match="No instance with ID 'api-nobody' found"):
            await client.terminate("api-nobody", "x")

        assert (await client.purge_instance_history(doomed)).instances_deleted == 1
        assert not await client.get_status(doomed)
        assert (await client.purge_instance_history(doomed)).instances_deleted == 0

        restarted = await client.start_new("sequence", waiting, ["again"])  # a finished id may be reused
        assert (await wait_for(client, restarted)).output == ["Hello again!"]

    run_client(sample_host.client_binding(), work)


def test_listing_with_filters(sample_host):
    async def work(client):
        before = datetime.now(timezone.utc) - timedelta(seconds=1)
        ids = [await client.start_new("sequence", f"api-list-{n}", ["x"]) for n in range(3)]
        for instance_id in ids:
            await wait_for(client, instance_id)
        by_prefix = await client.get_status_by(instance_id_prefix="api-list-")
        assert sorted(s.instance_id for s in by_prefix) == ids
        completed = await client.get_status_by(created_time_from=before, runtime_status=[Status.Completed])
        assert set(ids) <= {s.instance_id for s in completed}
        assert all(s.runtime_status == Status.Completed for s in completed)
        assert set(ids) <= {s.instance_id for s in await client.get_status_all()}
        assert not await client.get_status_by(created_time_to=before - timedelta(days=365))

    run_client(sample_host.client_binding(), work)


def test_check_status_response_and_public_routes(sample_host):
    started = sample_host.post("/api/orchestrators/sequence/api-public", ["Joan"])
    assert started.status == 202
    payload = started.json()
    assert payload["id"] == "api-public"
    assert payload["statusQueryGetUri"].startswith(f"{sample_host.url}/runtime/webhooks/durabletask/instances/api-public")
    assert started.headers["Location"] == payload["statusQueryGetUri"]
    sample_host.wait_for_status("api-public")
    status_path = payload["statusQueryGetUri"][len(sample_host.url):]
    answer = sample_host.get(status_path)
    assert answer.status == 200 and answer.json()["output"] == ["Hello Joan!"]

    waiting = sample_host.post("/runtime/webhooks/durabletask/orchestrators/approval/api-public-wait", {})
    assert waiting.status == 202 and waiting.headers["Location"].endswith("taskHub=SampleHub&connection=Storage")
    running = sample_host.wait_until(lambda: (s := sample_host.get(status_path.replace("api-public", "api-public-wait")))
                                     .json()["runtimeStatus"] == "Running" and s)
    assert running.status == 202 and "Location" in running.headers
    event_path = "/runtime/webhooks/durabletask/instances/api-public-wait/raiseEvent/approve"
    assert sample_host.post(event_path, raw=b"yes", headers={"Content-Type": "text/plain"}).status == 400
    assert sample_host.post(event_path, raw=b"{not json").status == 400
    assert sample_host.post(event_path, {"by": "raw client"}).status == 202
    assert sample_host.wait_for_status("api-public-wait")["output"]["approved"] == {"by": "raw client"}
    assert sample_host.post(event_path, {"late": True}).status == 410
    terminate = "/runtime/webhooks/durabletask/instances/api-public-wait/terminate?reason=x"
    assert sample_host.post(terminate).status == 410
    assert sample_host.post("/runtime/webhooks/durabletask/instances/nobody/terminate?reason=x").status == 404

    unknown = sample_host.post("/runtime/webhooks/durabletask/orchestrators/no_such_orchestrator", {})
    assert unknown.status == 400 and "no_such_orchestrator" in unknown.json()["ExceptionMessage"]
    assert sample_host.post("/runtime/webhooks/durabletask/orchestrators/sequence", raw=b"{oops").status == 400
    assert sample_host.post("/runtime/webhooks/durabletask/orchestrators/sequence/a%23b", ["x"]).status == 400

    page = sample_host.get("/runtime/webhooks/durabletask/instances?instanceIdPrefix=api-public&top=1")
    assert page.status == 200 and len(page.json()) == 1
    token = page.headers["x-ms-continuation-token"]
    rest = sample_host.get("/runtime/webhooks/durabletask/instances?instanceIdPrefix=api-public&top=1",
                           headers={"x-ms-continuation-token": token})
    assert [i["instanceId"] for i in page.json() + rest.json()] == ["api-public", "api-public-wait"]

    assert sample_host.delete("/runtime/webhooks/durabletask/instances").status == 400
    purged = sample_host.delete("/runtime/webhooks/durabletask/instances?createdTimeFrom=2000-01-01T00:00:00Z"
                                "&runtimeStatus=Terminated")
    assert purged.status in (200, 404)
    assert sample_host.get("/runtime/webhooks/durabletask/instances/nobody").status == 404


def test_http_trigger_route_params_query_and_headers(sample_host):
    answer = sample_host.get("/api/hello/World?greeting=Hi")
    assert answer.status == 200
    assert answer.json() == {"text": "Hi World", "method": "GET"}
    assert answer.headers["X-Sample"] == "yes"
    assert sample_host.get("/api/hello/W0rld").status == 404  # {name:alpha}
    assert sample_host.post("/api/hello/World").status == 404  # GET only


def test_suspend_holds_events_until_resume(sample_host):
    async def work(client):
        instance_id = await client.start_new("approval", "api-suspend", {"timeoutSeconds": 600})
        await wait_for(client, instance_id, {Status.Running})
        await client.suspend(instance_id, "maintenance")
        await wait_for(client, instance_id, {Status.Suspended})
        await client.raise_event(instance_id, "approve", {"while": "suspended"})
        await asyncio.sleep(0.3)
        assert (await client.get_status(instance_id)).runtime_status == Status.Suspended
        await client.resume(instance_id, "done")
        approved = await wait_for(client, instance_id)
        assert json.loads(approved.output["approved"]) == {"while": "suspended"}

    run_client(sample_host.client_binding(), work)
