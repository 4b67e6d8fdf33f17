"""The operator's system user in the target's Dataverse and its security roles (direct and by team)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.facts.base import FactSpec
from domain.facts.operator import FACT as OPERATOR
from domain.facts.target import FACT as TARGET, dataverse_instance

if TYPE_CHECKING:
    from domain.facts.base import Facts


@dataclass(frozen=True)
class SecurityRoleRef:
    name: str
    template_id: str | None
    via_team: str | None = None


@dataclass(frozen=True)
class DataverseRolesFacts:
    system_user_found: bool
    system_user_disabled: bool = False
    roles: tuple[SecurityRoleRef, ...] = ()


def _input(gathered: "Facts") -> dict[str, Any]:
    return {**dataverse_instance(gathered), "operatorObjectId": gathered.value(OPERATOR.name).object_id}


# After the target first: when both failed, the target's error is the one reported.
FACT = FactSpec(name="dataverseRoles", value_type=DataverseRolesFacts, activity="gather_dataverse_roles", order=80,
                after=(TARGET.name, OPERATOR.name), build_input=_input)
