"""Save documents that jupyter-collaboration holds on the server.

With real-time collaboration, a document's truth is the server's shared model: edits can be
there, unsaved (autosave off, or within its debounce delay), with no tab left to save them.
This reaches into jupyter-server-ydoc's rooms (tested against its 2.x/3.x layout) and does
nothing when it is not installed or its layout is not recognised.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

YDOC_EXTENSION = "jupyter_server_ydoc"


def _rooms(serverapp: Any) -> dict[str, Any]:
    points = getattr(getattr(serverapp, "extension_manager", None), "extension_points", {})
    point = points.get(YDOC_EXTENSION)
    server = getattr(getattr(point, "app", None), "ywebsocket_server", None)
    rooms = getattr(server, "rooms", None)
    return dict(rooms) if isinstance(rooms, dict) else {}


async def save_collaborative_documents(
    serverapp: Any, timeout_seconds: float
) -> tuple[list[str], list[dict[str, str]]]:
    """Save every dirty server-side document; returns (saved paths, failures)."""
    saved: list[str] = []
    failed: list[dict[str, str]] = []
    for room_id, room in _rooms(serverapp).items():
        document = getattr(room, "_document", None)
        save = getattr(room, "_save_to_disc", None)
        # Awareness-only rooms have no document; clean documents need nothing.
        if document is None or save is None or not getattr(document, "dirty", False):
            continue
        path = str(getattr(document, "path", None) or room_id)
        try:
            task = save()
            if task is not None:
                await asyncio.wait_for(asyncio.shield(task), timeout_seconds)
            else:  # a change is being applied right now; give it a moment
                await asyncio.sleep(0.5)
                task = save()
                if task is not None:
                    await asyncio.wait_for(asyncio.shield(task), timeout_seconds)
        except asyncio.TimeoutError:
            failed.append({"path": path, "error": f"not saved within {timeout_seconds:g} s"})
            continue
        except Exception as err:
            failed.append({"path": path, "error": repr(err)})
            continue
        # The room logs its own save errors and leaves the document dirty.
        if getattr(document, "dirty", False):
            failed.append({"path": path, "error": "the collaborative save failed (see the log)"})
        else:
            saved.append(path)
    return saved, failed
