"""An idle checker with a fake clock, fake signals and a fake shutdown action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_smcost.aws import AwsError
from jupyter_smcost.idle.activity import KernelInfo, TerminalInfo
from jupyter_smcost.idle.checker import IdleShutdown
from jupyter_smcost.idle.store import SettingsStore
from tests.support.clock import FakeClock


class FakeSignals:
    def __init__(self) -> None:
        self.kernel_list: list[KernelInfo] = []
        self.terminal_list: list[TerminalInfo] = []
        self.events: list[str] = []

    async def kernels(self) -> list[KernelInfo]:
        return self.kernel_list

    def terminals(self) -> list[TerminalInfo]:
        return self.terminal_list

    def counts(self) -> tuple[int, int]:
        return len(self.kernel_list), len(self.terminal_list)

    async def stop_all(self) -> tuple[int, int]:
        self.events.append("stop kernels and terminals")
        counts = self.counts()
        self.kernel_list, self.terminal_list = [], []
        return counts


class FakeAction:
    name = "delete-app"
    dry_run = False

    def __init__(self, events: list[str], failures: int = 0) -> None:
        self.events = events
        self.failures = failures

    def describe(self) -> str:
        return "delete the app"

    async def run(self) -> str:
        if self.failures:
            self.failures -= 1
            self.events.append("action failed")
            raise AwsError("DeleteApp", "AccessDeniedException", "not allowed")
        self.events.append("action")
        return "deleted"


def pass_deadline(idle: IdleShutdown, clock: FakeClock) -> None:
    """Advance to the deadline as the checker lives it: it wakes when the warning starts."""
    policy = idle.policy
    clock.advance(policy.timeout_seconds - policy.warning_seconds)
    idle.decision()
    clock.advance(policy.warning_seconds)


def make(
    tmp_path: Path, failures: int = 0, events: list[dict[str, Any]] | None = None, **traits: Any
) -> tuple[IdleShutdown, FakeClock, FakeSignals, FakeAction]:
    clock = FakeClock()
    signals = FakeSignals()
    action = FakeAction(signals.events, failures)
    traits.setdefault("timeout_minutes", 10)
    traits.setdefault("warning_minutes", 2)
    traits.setdefault("save_timeout_seconds", 0.2)
    traits.setdefault("studio_activity_file", "")  # never Studio's real /tmp file
    idle = IdleShutdown(
        signals=signals,
        store=SettingsStore(tmp_path),
        action_factory=lambda _: action,
        clock=clock,
        emit=None if events is None else events.append,
        **traits,
    )
    return idle, clock, signals, action
