"""A kernel the server starts finds the server's job cap where the server wrote it, also
with `c.SMCost.state_dir` moved away from the default (the server names it to its kernels
in SMCOST_STATE_DIR)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.prelaunch import SETTINGS_FILENAME, STATE_DIR_ENV


@pytest.fixture
def smcost_config(smcost_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    smcost_config["SMCost"]["state_dir"] = str(tmp_path / "moved" / "state")
    # No policy file: the cap comes from config.
    smcost_config["SMCost"]["policy_path"] = str(tmp_path / "no-policy.json")
    smcost_config["Budget"] = {"max_job_usd": 25.0}
    return smcost_config


async def test_a_kernel_of_the_server_reads_the_cap_from_a_moved_state_dir(
    jp_serverapp: Any, tmp_path: Path
) -> None:
    state = tmp_path / "moved" / "state"
    assert json.loads((state / SETTINGS_FILENAME).read_text())["max_job_usd"] == 25.0
    assert os.environ[STATE_DIR_ENV] == str(state)
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        printed: list[str] = []

        def keep(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                printed.append(msg["content"]["evalue"])

        code = (
            "from jupyter_smcost.prelaunch import read_cap, state_dir\n"
            "print(state_dir(), read_cap(state_dir()))"
        )
        reply = await client.execute_interactive(code, output_hook=keep, timeout=60)
        assert reply["content"]["status"] == "ok", printed
        assert "".join(printed).split() == [str(state), "25.0"]
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)
