"""What the Studio resources (`models.py`) and the jobs (`jobs.py`) both do: answer a List
call in its SortOrder, and move a status on when its delay is over."""

from __future__ import annotations

import time
from collections.abc import Iterable
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T")


def sort_listed(items: Iterable[T], attr: str, sort_order: str | None) -> list[T]:
    """A List call's items by their `attr`, ascending unless SortOrder is Descending."""
    return sorted(items, key=attrgetter(attr), reverse=sort_order == "Descending")


class Deadline:
    """When a pending status change (an app's Deleting -> Deleted, a job's Stopping ->
    Stopped) is due. It is decided when the status is read, so no timer thread is needed;
    the owner's lock guards it."""

    def __init__(self) -> None:
        #: time.monotonic() at which it is due (None: nothing pending).
        self.due: float | None = None

    def start(self, delay: float) -> None:
        self.due = time.monotonic() + delay

    def clear(self) -> None:
        self.due = None

    def passed(self) -> bool:
        return self.due is not None and time.monotonic() >= self.due


__all__ = ["Deadline", "sort_listed"]
