"""What the review page tells the reader after a form submission.

The form handler redirects (303) back to the page with a short code in the query string, never with
free text: a crafted link must not be able to make our page say something we did not write.
"""
from __future__ import annotations

from typing import Any, Mapping

from domain.phases import AWAITING_CONFIRMATION
from domain.run_progress import actor_name, attempts_marker
from domain.status_document import StatusDocument

SUBMITTED = "submitted"  # query key: the attempts marker (domain.run_progress) before this submission
RESULT = "result"  # query key: why a submission was refused before it reached the orchestration

REFUSALS: dict[str, str] = {
    "acknowledge": "Tick the box to say that you have read the checks and understand that linking "
                   "can't be undone.",
    "invalid": "Type your name in the box before confirming.",
    "unauthenticated": "You are not signed in. Sign in and open this page again.",
    "forbidden": "Your account may not confirm this link: only the operator or a listed confirmer can.",
    "not-found": "There is no such run.",
    "conflict": "This run is no longer awaiting confirmation.",
    "cross-site": "The confirmation did not come from this page, so it was ignored. Confirm here.",
    "failed": "The confirmation could not be submitted. Try again in a moment.",
}
_REFUSAL_OF_STATUS = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
                      409: "conflict"}


def refusal_for_status(status_code: int) -> str:
    return _REFUSAL_OF_STATUS.get(status_code, "failed")


def notice_for(query: Mapping[str, str], status: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(message, kind) for the review page, from the redirect's query and the current status."""
    refusal = query.get(RESULT)
    if refusal in REFUSALS:
        return REFUSALS[refusal], "error"
    before = query.get(SUBMITTED)
    if before is None:
        return None, None
    doc = StatusDocument.of(status)
    if attempts_marker(doc) != before:
        attempt = doc.latest_attempt()
        if attempt and attempt.accepted:
            who = actor_name(attempt.by) or attempt.typed_name
            return f"Confirmed by {who}. Setup is starting.", "success"
        reason = str((attempt and attempt.reason) or "the name did not match").rstrip(".")
        return f"The name you typed was not accepted: {reason}.", "error"
    if doc.phase == AWAITING_CONFIRMATION:
        return "Your confirmation was received and is being checked.", "pending"
    return None, None

