from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpline.engine import Channel
from helpline.errors import FlowProblems
from helpline.flowfiles.catalog import FlowCatalog, load_flow_set

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    return tmp_path / "flows"


def touch_later(path: Path, text: str) -> None:
    """Write and move the mtime on, so the change is seen even within one clock tick."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))


def test_the_shipped_folder_loads(folder: Path) -> None:
    flows = load_flow_set(folder, CONSTANTS)
    assert flows.entry(Channel.SMS).name == "triage"
    assert flows.warnings == ()


def test_a_broken_edit_keeps_the_last_valid_flows(folder: Path) -> None:
    catalog = FlowCatalog(folder, CONSTANTS, check_every=0)
    before = catalog.current.entry(Channel.SMS)
    triage = folder / "triage.yaml"
    touch_later(triage, triage.read_text().replace("to: family_thanks", "to: nowhere"))
    after = catalog.refresh()
    assert after.entry(Channel.SMS) is before
    assert catalog.last_error is not None
    assert "goes to unknown node 'nowhere'" in str(catalog.last_error.problems[0])
    # fixing the file is picked up
    touch_later(triage, triage.read_text().replace("to: nowhere", "to: family_thanks"))
    fixed = catalog.refresh()
    assert fixed.entry(Channel.SMS) is not before
    assert catalog.last_error is None


def test_a_valid_edit_is_served_and_versions_change(folder: Path) -> None:
    catalog = FlowCatalog(folder, CONSTANTS, check_every=0)
    old = catalog.current.entry(Channel.SMS)
    triage = folder / "triage.yaml"
    touch_later(triage, triage.read_text().replace("We're glad you reached out.", "Welcome."))
    new = catalog.refresh().entry(Channel.SMS)
    assert new.version != old.version
    welcome = new.nodes["welcome"].say
    assert welcome is not None
    assert "Welcome." in welcome.by_language["en"]


def test_refresh_reloads_only_what_changed(folder: Path) -> None:
    catalog = FlowCatalog(folder, CONSTANTS, check_every=0)
    first = catalog.refresh()
    assert catalog.refresh() is first
    throttled = FlowCatalog(folder, CONSTANTS, check_every=3600)
    touch_later(folder / "triage.yaml", (folder / "triage.yaml").read_text() + "\n# edit\n")
    assert throttled.refresh() is throttled.current  # not looked at again within the hour


def test_start_up_refuses_an_invalid_folder(folder: Path) -> None:
    (folder / "messages.yaml").unlink()
    with pytest.raises(FlowProblems) as exc:
        FlowCatalog(folder, CONSTANTS)
    assert "messages.yaml is missing" in str(exc.value)


def test_several_sms_flows_need_one_entry(folder: Path) -> None:
    shutil.copy(folder / "triage.yaml", folder / "other.yaml")
    text = (folder / "other.yaml").read_text().replace("name: triage\n", "name: other\n")
    (folder / "other.yaml").write_text(text)
    with pytest.raises(FlowProblems, match="several sms flows and none says entry: true"):
        load_flow_set(folder, CONSTANTS)
    (folder / "other.yaml").write_text(text.replace("name: other\n", "name: other\nentry: true\n"))
    assert load_flow_set(folder, CONSTANTS).entry(Channel.SMS).name == "other"
