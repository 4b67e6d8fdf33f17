"""A small Durable Functions app that exercises what devhost must support (used by tests/devhost)."""
import json
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

from sample_activities import bp as activities
from sample_queues import bp as queues

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(activities)
app.register_functions(queues)


@app.route(route="orchestrators/{name}/{instanceId?}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(req.route_params["name"], req.route_params.get("instanceId"), payload)
    return client.create_check_status_response(req, instance_id)


@app.route(route="status/{instanceId}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    found = await client.get_status(req.route_params["instanceId"], show_history=req.params.get("history") == "1")
    if not found:
        return func.HttpResponse(status_code=404)
    document = found.to_json()
    document["historyEvents"] = getattr(found, "historyEvents", None)
    return func.HttpResponse(json.dumps(document), mimetype="application/json")


@app.route(route="events/{instanceId}/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def raise_event(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    await client.raise_event(req.route_params["instanceId"], req.route_params["name"], req.get_json())
    return func.HttpResponse(status_code=202)


@app.route(route="hello/{name:alpha}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    greeting = req.params.get("greeting", "Hello")
    return func.HttpResponse(
        json.dumps({"text": f"{greeting} {req.route_params['name']}", "method": req.method}),
        mimetype="application/json",
        headers={"X-Sample": "yes"},
    )


@app.orchestration_trigger(context_name="context")
def sequence(context: df.DurableOrchestrationContext):
    names = context.get_input() or ["Tokyo", "Seattle", "London"]
    results = []
    for name in names:
        results.append((yield context.call_activity("say_hello", name)))
    return results


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()
    squares = yield context.task_all([context.call_activity("square", n) for n in range(count)])
    return sum(squares)


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    request = context.get_input()
    options = df.RetryOptions(first_retry_interval_in_milliseconds=request.get("intervalMs", 50),
                              max_number_of_attempts=request["attempts"])
    try:
        result = yield context.call_activity_with_retry("flaky", options, request)
        return {"result": result}
    except Exception as failure:
        return {"failed": str(failure).splitlines()[0]}


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    request = context.get_input() or {}
    deadline = context.current_utc_datetime + timedelta(seconds=request.get("timeoutSeconds", 3 * 24 * 3600))
    context.set_custom_status({"state": "waiting", "deadline": deadline.isoformat()})
    timeout = context.create_timer(deadline)
    approved = context.wait_for_external_event("approve")
    winner = yield context.task_any([approved, timeout])
    if winner == approved:
        timeout.cancel()
        context.set_custom_status({"state": "approved"})
        return {"approved": approved.result, "at": context.current_utc_datetime.isoformat()}
    context.set_custom_status({"state": "expired"})
    return {"expired": True, "at": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    state = context.get_input()
    context.set_custom_status({"n": state["n"]})
    if state["n"] >= state["limit"]:
        return state["n"]
    yield context.call_activity("square", state["n"])
    context.continue_as_new({"n": state["n"] + 1, "limit": state["limit"]})
    return None


@app.orchestration_trigger(context_name="context")
def rollover(context: df.DurableOrchestrationContext):
    """Round 0 takes one "go" and continues as new; round 1 waits for another one, or times out."""
    state = context.get_input()
    if state["round"] == 0:
        yield context.call_activity("slow", {"key": context.instance_id, "seconds": state["seconds"]})
        first = yield context.wait_for_external_event("go")
        context.continue_as_new({"round": 1, "first": first, "waitSeconds": state["waitSeconds"]})
        return None
    context.set_custom_status({"round": 1})
    timeout = context.create_timer(context.current_utc_datetime + timedelta(seconds=state["waitSeconds"]))
    second = context.wait_for_external_event("go")
    winner = yield context.task_any([second, timeout])
    if winner == second:
        timeout.cancel()
    return {"first": state["first"], "second": second.result if winner == second else None}


@app.orchestration_trigger(context_name="context")
def big_status(context: df.DurableOrchestrationContext):
    """Sets a custom status of the given number of characters, then finishes after an activity."""
    context.set_custom_status("x" * context.get_input())
    return (yield context.call_activity("say_hello", "status"))


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext):
    seconds = context.get_input()
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=seconds))
    return context.current_utc_datetime.isoformat()


@app.orchestration_trigger(context_name="context")
def publisher(context: df.DurableOrchestrationContext):
    message = context.get_input()
    return (yield context.call_activity("publish", message))


@app.orchestration_trigger(context_name="context")
def crashy(context: df.DurableOrchestrationContext):
    """Fan-out of slow activities, a timer and an event: crash tests kill devhost in the middle."""
    request = context.get_input()
    first = yield context.task_all(
        [context.call_activity("slow", {"key": f"{context.instance_id}-{n}", "seconds": request["seconds"]})
         for n in range(request["width"])]
    )
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=request["timerSeconds"]))
    if request.get("waitForEvent"):
        go = yield context.wait_for_external_event("go")
    else:
        go = None
    last = yield context.call_activity("slow", {"key": f"{context.instance_id}-last", "seconds": 0})
    return {"first": first, "go": go, "last": last}


@app.orchestration_trigger(context_name="context")
def branching(context: df.DurableOrchestrationContext):
    """Deliberately non-deterministic when SAMPLE_BRANCH changes between runs (for the replay test)."""
    import os

    first = yield context.call_activity("say_hello", "one")
    activity = "square" if os.environ.get("SAMPLE_BRANCH", "a") == "a" else "say_hello"
    second = yield context.call_activity(activity, 2)
    return [first, second]


@app.route(route="setting/{name}", methods=["GET"])
def setting(req: func.HttpRequest) -> func.HttpResponse:
    """Which value a setting has inside the app (secrets are never echoed)."""
    import os

    name = req.route_params["name"]
    if "SECRET" in name.upper():
        return func.HttpResponse(status_code=403)
    return func.HttpResponse(json.dumps({name: os.environ.get(name)}), mimetype="application/json")
