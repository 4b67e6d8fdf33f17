"""openapi.json: a valid OpenAPI 3.1 description whose paths are exactly the app's HTTP routes."""
import json
import pathlib
import re

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = json.loads((ROOT / "openapi.json").read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
GUID = "5b0ab7d2-3f7c-4f7e-9d8e-0e4b9d8a1c11"
VALID = {"lcsProjectId": 1234567, "lcsEnvironmentId": GUID, "powerPlatformEnvironmentId": GUID,
         "operator": "admin@contoso.onmicrosoft.com", "setupMode": "lcs-api",
         "confirmationTimeout": "P3D", "correlationId": "free text"}


def schema_validator(name):
    registry = Registry().with_resource("urn:openapi", Resource(contents=DOC, specification=DRAFT202012))
    schema = {"$ref": f"urn:openapi#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def documented_operations():
    return {(path, method.upper()) for path, item in DOC["paths"].items() for method in item if method in METHODS}


def test_document_is_openapi_3_1_with_valid_schemas():
    assert DOC["openapi"].startswith("3.1.")
    for name, schema in DOC["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
    for path, item in DOC["paths"].items():
        for parameter in re.findall(r"{(\w+)}", path):
            declared = [p for p in item.get("parameters", []) if p["in"] == "path"]
            assert [p["name"] for p in declared] == [parameter], path


def test_every_reference_resolves():
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(DOC))
    assert refs
    for ref in refs:
        node = DOC
        for part in ref.split("/"):
            node = node[part]


def test_link_request_schema_accepts_the_documented_example():
    schema_validator("LinkRequest").validate(VALID)
    schema_validator("LinkRequest").validate({k: VALID[k] for k in ("lcsProjectId", "lcsEnvironmentId",
                                                                    "powerPlatformEnvironmentId", "operator")})


@pytest.mark.parametrize("change", [
    {"lcsProjectId": 0}, {"lcsProjectId": "1234567"}, {"lcsEnvironmentId": "not-a-guid"},
    {"powerPlatformEnvironmentId": GUID + "0"}, {"operator": "no at sign"}, {"setupMode": "portal"},
    {"confirmationTimeout": "3 days"}, {"confirmationTimeout": "P"}, {"correlationId": "x" * 201},
])
def test_link_request_schema_rejects_bad_fields(change):
    assert list(schema_validator("LinkRequest").iter_errors(VALID | change))


@pytest.mark.parametrize("duration", ["P3D", "PT1H", "PT90M", "P1DT12H", "PT0.5S", "P2W"])
def test_iso_durations_are_accepted(duration):
    schema_validator("LinkRequest").validate(VALID | {"confirmationTimeout": duration})


def test_status_document_schema_accepts_a_full_document():
    from tests.webui.support import provisioning_status
    schema_validator("StatusDocument").validate(provisioning_status())


def app_operations():
    import function_app  # only the tests that index the app pay for importing it
    from devhost.functions import index_app  # indexes each app once: the SDK refuses a second get_functions()
    host = json.loads((ROOT / "host.json").read_text())
    prefix = host.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    operations = set()
    for function in index_app(function_app.app):
        if function.trigger_type != "httpTrigger":
            continue
        path = "/" + "/".join(p for p in (prefix, function.trigger.get("route") or function.name) if p)
        path = re.sub(r"{(\w+)(:[^}]*)?}", r"{\1}", path)  # drop route constraints such as {id:int}
        for method in function.trigger.get("methods") or ["GET", "POST"]:
            operations.add((path, method.upper()))
    return operations


def normalise(operations):
    # Path parameter names may differ between the app and the document; their positions may not.
    return {(re.sub(r"{\w+}", "{}", path), method) for path, method in operations}


def test_every_route_is_documented_and_every_documented_route_exists():
    app = normalise(app_operations())
    documented = normalise(documented_operations())
    assert sorted(app - documented) == [], "routes missing from openapi.json"
    assert sorted(documented - app) == [], "documented routes the app does not have"
