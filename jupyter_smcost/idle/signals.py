"""Read activity signals from the running Jupyter server (kernels, terminals) and the OS
(user processes). No tornado import: the server's managers are passed in."""

from __future__ import annotations

import inspect
import logging
import os
import time
from typing import Any

from .activity import KernelInfo, ProcessInfo, TerminalInfo

log = logging.getLogger(__name__)


class ServerSignals:
    """Kernels and terminals of one Jupyter server."""

    #: How often kernel ids are mapped to notebook paths again (a database query).
    LABEL_REFRESH_SECONDS = 60.0

    def __init__(
        self,
        kernel_manager: Any,
        session_manager: Any | None = None,
        terminal_manager: Any | None = None,
    ) -> None:
        self._kernels = kernel_manager
        self._sessions = session_manager
        self._terminals = terminal_manager
        self._labels: dict[str, str] = {}
        self._labels_at = 0.0

    async def _refresh_labels(self, kernel_ids: list[str]) -> None:
        fresh = time.monotonic() - self._labels_at < self.LABEL_REFRESH_SECONDS
        if self._sessions is None or (fresh and all(k in self._labels for k in kernel_ids)):
            return
        self._labels_at = time.monotonic()
        try:
            sessions = await self._sessions.list_sessions()
        except Exception as err:  # a label is a nicety; never fail the check for it
            log.debug("jupyter-smcost: cannot list sessions: %s", err)
            return
        for session in sessions:
            kernel = session.get("kernel") or {}
            path = session.get("path") or session.get("name")
            if kernel.get("id") and path:
                self._labels[kernel["id"]] = str(path)

    async def kernels(self) -> list[KernelInfo]:
        kernel_ids = list(self._kernels.list_kernel_ids())
        await self._refresh_labels(kernel_ids)
        infos = []
        for kernel_id in kernel_ids:
            try:
                kernel = self._kernels.get_kernel(kernel_id)
            except KeyError:  # shut down between the listing and now
                continue
            label = self._labels.get(kernel_id) or f"{kernel.kernel_name} {kernel_id[:8]}"
            infos.append(
                KernelInfo(
                    kernel_id=kernel_id,
                    execution_state=getattr(kernel, "execution_state", "unknown"),
                    last_activity=getattr(kernel, "last_activity", None),
                    label=label,
                )
            )
        return infos

    def terminals(self) -> list[TerminalInfo]:
        if self._terminals is None:
            return []
        return [
            TerminalInfo(name=name, last_activity=getattr(term, "last_activity", None))
            for name, term in list(self._terminals.terminals.items())
        ]

    def counts(self) -> tuple[int, int]:
        terminals = len(self._terminals.terminals) if self._terminals is not None else 0
        return len(self._kernels.list_kernel_ids()), terminals

    async def stop_all(self) -> tuple[int, int]:
        """Shut every kernel and terminal down cleanly; returns how many there were."""
        counts = self.counts()
        result = self._kernels.shutdown_all()
        if inspect.isawaitable(result):
            await result
        if self._terminals is not None:
            result = self._terminals.terminate_all()
            if inspect.isawaitable(result):
                await result
        return counts


class ProcessSampler:
    """CPU use of this user's processes since the previous sample (call from a thread).

    The server process itself is excluded: serving polls is not the user's work.
    """

    def __init__(self, exclude_pids: set[int] | None = None) -> None:
        self._exclude = {os.getpid()} | (exclude_pids or set())
        self._uid = os.getuid() if hasattr(os, "getuid") else None

    def sample(self) -> list[ProcessInfo]:
        import psutil

        found = []
        # process_iter caches Process objects, so cpu_percent(None) measures since the last call.
        for proc in psutil.process_iter(["name", "uids"]):
            if proc.pid in self._exclude:
                continue
            uids = proc.info.get("uids")
            if self._uid is not None and (uids is None or uids.real != self._uid):
                continue
            try:
                cpu = proc.cpu_percent(None)
            except psutil.Error:
                continue
            if cpu > 0:
                found.append(ProcessInfo(proc.pid, proc.info.get("name") or "?", cpu))
        return found
