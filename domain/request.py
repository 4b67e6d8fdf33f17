"""The link request: what a person or another system asks for, parsed strictly.

An irreversible action deserves strict input: unknown fields are refused (a misspelt field must
not silently fall back to a default), and every problem is reported at once, by field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from domain.durations import format_duration, parse_duration
from domain.provisioning_app import ProvisioningAppOptions, options_errors
from domain.setup_modes import SetupMode, find_mode, mode_names, required_by_every_mode, setup_mode
from domain.strict_json import JsonRefused, decode_json
from domain.values import is_guid, normalize_guid

MIN_CONFIRMATION_TIMEOUT = timedelta(minutes=15)
MAX_CONFIRMATION_TIMEOUT = timedelta(days=30)
MAX_CORRELATION_ID = 200
MAX_PROJECT_ID = 2**31 - 1
MAX_UPN_LENGTH = 113  # Entra's limit for a userPrincipalName
MAX_UNKNOWN_SHOWN = 10
MAX_FIELD_NAME_SHOWN = 64

# Matched with fullmatch, never match + `$`: `$` also matches before a final newline, and an id
# with a newline in it names something else than it seems to.
_UPN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", re.ASCII)
# Control, format (zero-width, bidi overrides), surrogate and line/paragraph separator characters:
# invisible or misleading when shown, and able to split a log line or a header.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

FIELDS = ("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator", "setupMode",
          "confirmationTimeout", "correlationId", "provisioningApp")
# The fields that say what to link and who does it; which of them a request needs is its mode's call.
TARGET_FIELDS = ("lcsProjectId", "lcsEnvironmentId", "powerPlatformEnvironmentId", "operator")
GUID_FIELDS = ("lcsEnvironmentId", "powerPlatformEnvironmentId")
# Options of one mode's setup: refused in a mode that does not take them (SetupMode.option_fields).
OPTION_FIELDS = {"provisioningApp": options_errors}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InvalidRequest(ValueError):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


@dataclass(frozen=True)
class LinkRequest:
    lcsProjectId: int
    lcsEnvironmentId: str
    powerPlatformEnvironmentId: str
    operator: str
    setupMode: str
    confirmationTimeout: str
    correlationId: str | None = None
    provisioningApp: dict[str, Any] | None = None  # setupMode unified (domain/provisioning_app.py)

    @property
    def mode(self) -> SetupMode:
        return setup_mode(self.setupMode)

    @property
    def instance_id(self) -> str:
        return self.mode.instance_id(self)

    @property
    def confirmation_timeout(self) -> timedelta:
        return parse_duration(self.confirmationTimeout)

    @property
    def provisioning_app(self) -> ProvisioningAppOptions:
        return ProvisioningAppOptions.from_dict(self.provisioningApp)

    def to_dict(self) -> dict[str, Any]:
        """A request of a mode without options keeps the JSON it had before options existed (histories)."""
        data = asdict(self)
        return {k: v for k, v in data.items() if k not in OPTION_FIELDS or v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LinkRequest":
        return cls(**{k: data.get(k) for k in FIELDS})

def hidden_character_error(value: Any) -> str | None:
    """Why a caller's text can't be kept as it is (a control or invisible character), or None."""
    if not isinstance(value, str):
        return None
    hidden = next((c for c in value if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)
    return None if hidden is None else f"contains the control or invisible character U+{ord(hidden):04X}"


def decode_body(raw: bytes | str, *, where: str, max_bytes: int) -> Any:
    """The JSON value of an HTTP body or a queue message (`where` names it in errors), strictly."""
    try:
        return decode_json(raw, max_bytes=max_bytes)
    except JsonRefused as refused:
        raise InvalidRequest([FieldError(refused.key or where, refused.reason)]) from None


def decode_link_request(raw: bytes | str, *, where: str, max_bytes: int, default_setup_mode: str,
                        default_confirmation_timeout: str) -> "LinkRequest":
    """A link request from the bytes of an HTTP body or a queue message."""
    return parse_link_request(decode_body(raw, where=where, max_bytes=max_bytes),
                              default_setup_mode=default_setup_mode,
                              default_confirmation_timeout=default_confirmation_timeout)


def parse_link_request(body: Any, *, default_setup_mode: str, default_confirmation_timeout: str) -> LinkRequest:
    """Validate a decoded JSON body; raise InvalidRequest naming every bad field."""
    if not isinstance(body, dict):
        raise InvalidRequest([FieldError("(body)", "must be a JSON object")])
    errors = _unknown_field_errors(body)
    setup_mode_name = body.get("setupMode", default_setup_mode)
    mode = find_mode(setup_mode_name)
    errors += _target_errors(body, mode) + _option_errors(body, mode)
    if mode is None:
        errors.append(FieldError("setupMode", f"must be one of {', '.join(mode_names())}"))

    timeout_text = body.get("confirmationTimeout", default_confirmation_timeout)
    timeout_error = _confirmation_timeout_error(timeout_text)
    if timeout_error:
        errors.append(FieldError("confirmationTimeout", timeout_error))

    correlation_id = body.get("correlationId")
    if correlation_id is not None and (not isinstance(correlation_id, str) or len(correlation_id) > MAX_CORRELATION_ID):
        errors.append(FieldError("correlationId", f"must be text of at most {MAX_CORRELATION_ID} characters"))
    elif hidden_character_error(correlation_id):
        errors.append(FieldError("correlationId", hidden_character_error(correlation_id)))

    if errors:
        raise InvalidRequest(errors)
    guids = {name: normalize_guid(body[name]) if body.get(name) is not None else None for name in GUID_FIELDS}
    return LinkRequest(
        lcsProjectId=body.get("lcsProjectId"),
        operator=body.get("operator"),
        setupMode=setup_mode_name,
        confirmationTimeout=format_duration(parse_duration(timeout_text)),
        correlationId=correlation_id,
        provisioningApp=(ProvisioningAppOptions.from_dict(body.get("provisioningApp")).to_dict()
                         if "provisioningApp" in mode.option_fields else None),
        **guids,
    )


def _unknown_field_errors(body: dict[str, Any]) -> list[FieldError]:
    unknown = [name for name in body if name not in FIELDS]
    # Name a few, shortened: a caller's junk must not make the error itself huge.
    errors = [FieldError(name[:MAX_FIELD_NAME_SHOWN], "is not a known field") for name in unknown[:MAX_UNKNOWN_SHOWN]]
    if len(unknown) > MAX_UNKNOWN_SHOWN:
        errors.append(FieldError("(body)", f"has {len(unknown) - MAX_UNKNOWN_SHOWN} more unknown fields"))
    return errors


def _target_errors(body: dict[str, Any], mode: SetupMode | None) -> list[FieldError]:
    """What is wrong with the fields naming the environments and the operator, as the mode needs them
    (a request of an unknown mode needs what every mode needs)."""
    required = mode.required_fields if mode else required_by_every_mode()
    forbidden = mode.forbidden_fields if mode else ()
    errors = []
    for name in TARGET_FIELDS:
        value = body.get(name)
        if value is None:
            problem = "is required" if name in required else None
        elif name in forbidden:
            problem = f"is not used with setupMode {mode.name}"
        else:
            problem = _FORMAT_ERRORS[name](value)
        if problem:
            errors.append(FieldError(name, problem))
    return errors


def _option_errors(body: dict[str, Any], mode: SetupMode | None) -> list[FieldError]:
    errors = []
    for name, problems in OPTION_FIELDS.items():
        if body.get(name) is None or mode is None:
            continue
        if name not in mode.option_fields:
            errors.append(FieldError(name, f"is not used with setupMode {mode.name}"))
        else:
            errors += [FieldError(field, message) for field, message in problems(body[name])]
    return errors


def _project_id_error(value: Any) -> str | None:
    if type(value) is not int or not 0 < value <= MAX_PROJECT_ID:
        return "must be a positive integer (a JSON number), the LCS project id"
    return None


def _guid_error(value: Any) -> str | None:
    return None if is_guid(value) else "must be a GUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _operator_error(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_UPN_LENGTH or not _UPN.fullmatch(value):
        return "must be the operator's user principal name, e.g. admin@contoso.onmicrosoft.com"
    return None


_FORMAT_ERRORS = {"lcsProjectId": _project_id_error, "lcsEnvironmentId": _guid_error,
                  "powerPlatformEnvironmentId": _guid_error, "operator": _operator_error}


def _confirmation_timeout_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be an ISO 8601 duration such as P3D"
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        return str(exc)
    if not MIN_CONFIRMATION_TIMEOUT <= duration <= MAX_CONFIRMATION_TIMEOUT:
        return "must be between PT15M and P30D"
    return None
