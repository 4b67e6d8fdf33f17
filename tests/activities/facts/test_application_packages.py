"""The application packages fact: the provisioning app by unique name, Platform Tools by name."""

from __future__ import annotations

from activities.facts.application_packages import gather_application_packages
from domain import facts as F
from services.errors import ServiceError
from tests.activities.facts.support import run


def test_both_packages_with_their_states(fake):
    value = run(gather_application_packages).value
    assert value.provisioning_app == F.PackageRef("msdyn_FinanceAndOperationsProvisioningAppAnchor",
                                                  "Dynamics 365 Finance and Operations Provisioning App", "None", "1.0.0.1")
    assert value.platform_tools.state == "Installed" and value.offered == 2


def test_a_package_not_offered_is_none(fake):
    del fake.application_packages.states["msdyn_FinanceAndOperationsPlatformToolsAnchor"]
    assert run(gather_application_packages).value.platform_tools is None


def test_a_failed_list_is_the_facts_error(fake):
    class Refusing:
        def list_environment_packages(self, environment_id, install_state="All"):
            raise ServiceError("powerplatform", "list_environment_application_packages", 403, "Forbidden", "no")
    fake.application_packages = Refusing()
    error = run(gather_application_packages).error
    assert error.status == 403 and not error.transient
