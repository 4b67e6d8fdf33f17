"""The phases a link goes through, and the event type announcing each."""

VALIDATING = "Validating"
VALIDATION_FAILED = "ValidationFailed"
VALIDATED = "Validated"  # preflight only: every check passed, nothing changed
AWAITING_CONFIRMATION = "AwaitingConfirmation"
STARTING_SETUP = "StartingSetup"
PROVISIONING = "Provisioning"
VERIFYING = "Verifying"
LINKED = "Linked"
CANCELLED = "Cancelled"
CONFIRMATION_EXPIRED = "ConfirmationExpired"
PROVISIONING_FAILED = "ProvisioningFailed"
PROVISIONING_TIMED_OUT = "ProvisioningTimedOut"
FAILED = "Failed"

FINAL_PHASES = frozenset({VALIDATION_FAILED, VALIDATED, LINKED, CANCELLED, CONFIRMATION_EXPIRED,
                          PROVISIONING_FAILED, PROVISIONING_TIMED_OUT, FAILED})
# A run that reached any of these may have started the irreversible setup: the environment is its for good.
# A run that ended before them (ValidationFailed, Cancelled, ConfirmationExpired, or Failed early) changed
# nothing, so a new request may start a fresh run.
SETUP_STARTED_PHASES = frozenset({STARTING_SETUP, PROVISIONING, VERIFYING, LINKED, PROVISIONING_FAILED,
                                  PROVISIONING_TIMED_OUT})
# Phases in which setup has not started yet, so a cancel is still possible.
CANCELLABLE_PHASES = frozenset({VALIDATING, AWAITING_CONFIRMATION})
ALL_PHASES = (VALIDATING, VALIDATION_FAILED, VALIDATED, AWAITING_CONFIRMATION, STARTING_SETUP, PROVISIONING,
              VERIFYING, LINKED, CANCELLED, CONFIRMATION_EXPIRED, PROVISIONING_FAILED, PROVISIONING_TIMED_OUT, FAILED)


def event_type(phase: str) -> str:
    """`AwaitingConfirmation` -> `link.awaiting-confirmation`."""
    kebab = "".join(f"-{c.lower()}" if c.isupper() else c for c in phase).lstrip("-")
    return f"link.{kebab}"
