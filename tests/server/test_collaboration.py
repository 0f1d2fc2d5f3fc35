"""Documents held by jupyter-collaboration on the server are saved before a shutdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_smcost.idle.collaboration import save_collaborative_documents
from tests.support.api import extension


@pytest.fixture
def collaborative(
    smcost_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extensions = smcost_config["ServerApp"]["jpserver_extensions"]
    extensions.update(jupyter_server_fileid=True, jupyter_server_ydoc=True)
    # Autosave off: the edit below stays in memory until someone saves it.
    smcost_config["YDocExtension"] = {"document_save_delay": None}
    # Its update store is a file in the working directory (get_document ignores its config).
    monkeypatch.chdir(tmp_path)


async def test_dirty_shared_document_is_saved(
    collaborative: None, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    path = jp_root_dir / "shared.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('old')")])
    nbformat.write(notebook, path)
    ydoc = jp_serverapp.extension_manager.extension_points["jupyter_server_ydoc"].app
    document = await ydoc.get_document(
        path="shared.ipynb", content_type="notebook", file_format="json", copy=False, create=True
    )
    assert document is not None
    document.ycells[0]["source"] = "print('edited, never saved by a tab')"
    document.dirty = True
    assert "edited" not in path.read_text()

    saved, failed = await save_collaborative_documents(jp_serverapp, timeout_seconds=10)

    assert failed == []
    assert saved == ["shared.ipynb"]
    on_disk = json.loads(path.read_text())
    assert "".join(on_disk["cells"][0]["source"]) == "print('edited, never saved by a tab')"
    # Nothing left to save the second time.
    assert await save_collaborative_documents(jp_serverapp, timeout_seconds=10) == ([], [])


async def test_without_collaboration_nothing_happens(jp_serverapp: Any) -> None:
    assert await save_collaborative_documents(jp_serverapp, timeout_seconds=1) == ([], [])
    assert extension(jp_serverapp).idle._server_side_save is not None
