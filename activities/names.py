"""Activity function names, importable by orchestrators without importing the activities' services.
A fact activity's name is in its fact's declaration (`domain/facts/<fact>.py`)."""

START_SETUP = "start_setup"
READ_PROVISIONING = "read_provisioning"
VERIFY_LINK = "verify_link"
PUBLISH_EVENT = "publish_event"
SAVE_STATUS = "save_status"
