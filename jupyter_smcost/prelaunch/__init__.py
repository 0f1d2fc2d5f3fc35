"""A job's cost before it starts, in the kernel: `%load_ext jupyter_smcost.prelaunch`.

On load, the kernel's default boto3 session and every botocore session made after it get the
`Guard` (the SageMaker Python SDK v3 uses the default one for `ModelTrainer.train()` and
`Processor.run()`, and makes its own elsewhere); the cap is the admin's (`max_job_usd` in the
policy file, which wins) or `c.Budget.max_job_usd` as the server wrote it to `prelaunch.json`
in its state directory (which the server names to its kernels in `SMCOST_STATE_DIR`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .guard import CONFIRM_ENV, Guard, JobCostRefused, guard_every_session, register

__all__ = ["CONFIRM_ENV", "JobCostRefused", "confirm_cost", "load_ipython_extension", "install"]

SETTINGS_FILENAME = "prelaunch.json"
#: The server's state directory, set by the server for the kernels it starts: with
#: `c.SMCost.state_dir` moved, the kernels still find the server's `prelaunch.json`.
STATE_DIR_ENV = "SMCOST_STATE_DIR"
MAX_SETTINGS_BYTES = 64 * 1024

_guard: Guard | None = None


def state_dir() -> str:
    """The server's state directory as it names it to its kernels, else its default."""
    from jupyter_core.paths import jupyter_data_dir

    return os.environ.get(STATE_DIR_ENV) or str(Path(jupyter_data_dir()) / "jupyter_smcost")


def read_cap(directory: str, policy_path: str | None = None) -> float | None:
    """The admin's policy wins; else what the server wrote. A bad file is no cap from it."""
    from ..admin.policy_file import default_policy_path, load_policy
    from ..idle.settings import SettingsError, parse_usd
    from ..statefiles import read_json

    policy = load_policy(policy_path or default_policy_path(), {})
    if policy.present and "max_job_usd" in policy.budget:
        return policy.budget["max_job_usd"]
    data, why = read_json(Path(directory) / SETTINGS_FILENAME, MAX_SETTINGS_BYTES)
    if why is None and isinstance(data, dict) and data.get("max_job_usd") is not None:
        try:
            return parse_usd(data["max_job_usd"], "max_job_usd")
        except SettingsError:
            return None
    return None


def ask_in_the_kernel(prompt: str) -> str:
    """`input()` as it is when the question comes: ipykernel puts its own (which asks the
    notebook) in place only while a cell runs, so a guard loaded at the kernel's start
    (the lifecycle script's startup file) must not keep the one of that moment, which reads
    the kernel process's own stdin."""
    import builtins

    return str(builtins.input(prompt))


def install(session: Any = None, *, ask: Any = ask_in_the_kernel) -> Guard:
    """Put the guard on `session` (a boto3 Session) alone; with none given (the kernel's
    load), on boto3's default session and every session made from now on."""
    global _guard
    import boto3

    from ..cost.config import Pricing

    directory = state_dir()
    resolver = Pricing().build_resolver(directory)
    guard = Guard(resolver.resolve, lambda: read_cap(directory), ask=ask)
    if session is None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        guard_every_session(guard, existing=[boto3.DEFAULT_SESSION.events])
    else:
        register(session.events, guard)
    _guard = guard
    return guard


@contextmanager
def confirm_cost() -> Iterator[None]:
    """Let the create calls in this block go ahead above the cap (the estimate still prints)."""
    if _guard is None:
        yield
        return
    with _guard.confirmed():
        yield


def load_ipython_extension(ipython: Any) -> None:
    install()
