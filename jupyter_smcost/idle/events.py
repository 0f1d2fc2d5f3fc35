"""The jupyter_events schema the server emits, so open tabs learn of a warning, a save
request or a settings change at once instead of at their next poll."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

IDLE_SCHEMA_ID = "https://schema.jupyter.org/jupyter_smcost/idle/v1"

EVENT_KINDS = ("state", "save-request", "config")

_NULLABLE_STRING = {"type": ["string", "null"]}

IDLE_EVENT_SCHEMA: dict[str, Any] = {
    "$id": IDLE_SCHEMA_ID,
    "version": "1",
    "title": "jupyter-smcost idle shutdown",
    "description": "The idle state changed, open tabs are asked to save, or the idle "
    "settings changed.",
    "type": "object",
    "required": ["kind", "state", "config_version"],
    "properties": {
        "kind": {"title": "What happened", "enum": list(EVENT_KINDS)},
        "state": {"title": "The idle state (as in GET status)", "type": "string"},
        "seconds_until_shutdown": {"title": "Seconds left", "type": ["number", "null"]},
        "timeout_seconds": {"title": "The idle timeout in force", "type": ["number", "null"]},
        "warning_seconds": {"title": "The warning window in force", "type": ["number", "null"]},
        "emitted_at": {"title": "When the server sent it (ISO 8601 UTC)", "type": "string"},
        "deadline": {"title": "When the shutdown is due (ISO 8601 UTC)", **_NULLABLE_STRING},
        "last_activity": {"title": "The last activity (ISO 8601 UTC)", **_NULLABLE_STRING},
        "last_activity_source": {"title": "What the last activity was", **_NULLABLE_STRING},
        "error": {"title": "A failure or a postponement", **_NULLABLE_STRING},
        "request_id": {"title": "The save request to answer", **_NULLABLE_STRING},
        "save_deadline": {"title": "Answer the save request by then", **_NULLABLE_STRING},
        "config_version": {"title": "Changes when the idle settings change", "type": "string"},
    },
}


#: How the status' error begins while a due scheduled stop waits for busy kernels.
SCHEDULE_WAIT_NOTICE = "the scheduled stop waits for "


def _event_error(status: dict[str, Any]) -> Any:
    """The status' error, but not the scheduled stop's wait: an event has no
    `schedule_waiting_for_busy` beside it, and a tab would take it for a new problem (the
    polled status says both)."""
    error = status.get("error")
    if isinstance(error, str) and error.startswith(SCHEDULE_WAIT_NOTICE):
        return None
    return error


def idle_event(kind: str, status: dict[str, Any]) -> dict[str, Any]:
    """The event data for `kind`, from the `idle` part of the status."""
    request = status.get("save_request") or {}
    return {
        "kind": kind,
        "state": status["state"],
        "seconds_until_shutdown": status.get("seconds_until_shutdown"),
        "timeout_seconds": status.get("timeout_seconds"),
        "warning_seconds": status.get("warning_seconds"),
        # jupyter_server does not forward jupyter_events' own timestamp to the browser.
        "emitted_at": datetime.now(timezone.utc).isoformat(),
        "deadline": status.get("deadline"),
        "last_activity": status.get("last_activity"),
        "last_activity_source": status.get("last_activity_source"),
        "error": _event_error(status),
        "request_id": request.get("id"),
        "save_deadline": request.get("deadline"),
        "config_version": status["config_version"],
    }
