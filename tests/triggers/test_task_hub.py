"""A task hub that fails (5xx, no answer) becomes TaskHubUnavailable, and its routes a 503."""
import asyncio
import json

import aiohttp
import azure.functions as func
import pytest
from azure.durable_functions import DurableOrchestrationClient

from triggers.task_hub import TaskHubUnavailable, answers_503_when_storage_fails, guard_client

BINDING = json.dumps({"taskHubName": "Hub", "creationUrls": {}, "managementUrls": {}, "baseUrl": "http://h/x",
                      "requiredQueryStringParameters": "", "rpcBaseUrl": "http://h/x/", "httpBaseUrl": ""})


def client_answering(answer):
    client = DurableOrchestrationClient(BINDING)

    async def request(*args, **kwargs):
        if isinstance(answer, BaseException):
            raise answer
        return answer
    for name in ("_post_async_request", "_get_async_request", "_delete_async_request"):
        setattr(client, name, request)  # the attributes guard_client wraps: the SDK still has them
    return client


@pytest.mark.parametrize("answer", [[500, {"Message": "An error has occurred."}], [503, None],
                                    aiohttp.ClientConnectionError("refused"), ValueError("not JSON")])
def test_a_failing_task_hub_is_told_apart(answer):
    client = guard_client(client_answering(answer))
    with pytest.raises(TaskHubUnavailable):
        asyncio.run(client.raise_event("link-a", "Confirm", {}))
    with pytest.raises(TaskHubUnavailable):
        asyncio.run(client.start_new("link_environment", "link-a", {}))


def test_other_answers_pass_through_to_the_sdk():
    client = guard_client(client_answering([409, {"Message": "exists"}]))
    with pytest.raises(Exception) as raised:
        asyncio.run(client.start_new("link_environment", "link-a", {}))
    assert not isinstance(raised.value, TaskHubUnavailable)


def test_the_real_sdk_client_has_the_request_functions_guarded():
    client = guard_client(DurableOrchestrationClient(BINDING))
    assert all(getattr(client, n).guarded for n in ("_post_async_request", "_get_async_request"))


def test_a_route_answers_503_with_retry_after():
    @answers_503_when_storage_fails
    async def route(req, client):
        await client.raise_event("link-a", "Confirm", {})

    response = asyncio.run(route(func.HttpRequest("POST", "http://h/api/x", body=b""),
                                 client_answering([500, None])))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert json.loads(response.get_body())["status"] == 503
