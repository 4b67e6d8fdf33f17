"""The tenant settings fact: whether only admins may create environments."""

from __future__ import annotations

from activities.facts.tenant_settings import gather_tenant_settings
from domain import facts as F
from services import models as M
from tests.activities.facts.support import run


def test_tenant_settings(fake):
    assert run(gather_tenant_settings).value == F.TenantSettingsFacts(non_admin_environment_creation_disabled=False)
    fake.bap.tenant_settings = M.TenantSettings(True)
    assert run(gather_tenant_settings).value.non_admin_environment_creation_disabled
