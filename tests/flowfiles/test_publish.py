from __future__ import annotations

import shutil
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpline.engine import Channel
from helpline.errors import PublishRefused
from helpline.flowfiles.build import content_version
from helpline.flowfiles.catalog import FlowCatalog
from helpline.flowfiles.impact import LiveSession, impact, live_sessions
from helpline.flowfiles.publish import check_draft, publish, rollback
from helpline.flowfiles.versions import Action, FlowVersions
from helpline.flowfiles.yaml_loader import load_yaml_text
from helpline.runtime import Runtime

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OLD_SUBSTANCE = "What is it about? Reply 1 alcohol"
NEW_SUBSTANCE = "What brings you here? Reply 1 alcohol"
WELCOME_CHECKED = "Is this for you or someone you care about"
"""A phrase flows/scenarios/triage.secular_online_cut_down.yaml expects in the welcome."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "flows", tmp_path / "flows"))


def triage(folder: Path) -> str:
    return (folder / "triage.yaml").read_text()


def edited(folder: Path, old: str, new: str) -> str:
    text = triage(folder)
    assert old in text
    return text.replace(old, new)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def version_of(text: str) -> str:
    return content_version(load_yaml_text(text, "triage.yaml"))


def test_a_valid_edit_is_published_archived_and_recorded(folder: Path) -> None:
    old = triage(folder)
    (folder / "triage.yaml").chmod(0o640)
    new = edited(folder, OLD_SUBSTANCE, NEW_SUBSTANCE)
    published = publish(
        folder, "triage", new, by="dana", constants=CONSTANTS, now=NOW, note="warmer"
    )
    assert triage(folder) == new
    assert stat.S_IMODE((folder / "triage.yaml").stat().st_mode) == 0o640
    assert published.version == version_of(new)
    assert published.previous == version_of(old)
    assert published.action is Action.PUBLISH
    versions = FlowVersions(folder)
    assert versions.text("triage", version_of(old)) == old
    assert versions.text("triage", version_of(new)) == new
    assert versions.history("triage") == [published]
    assert versions.history("triage")[0].by == "dana"
    assert versions.history("triage")[0].note == "warmer"
    # No stray temporary files are left beside the flows.
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [".versions"]


def test_invalid_yaml_is_refused_at_its_line_and_nothing_changes(folder: Path) -> None:
    before = snapshot(folder)
    broken = edited(folder, "start: welcome", "start: [welcome")
    line = broken.splitlines().index("start: [welcome") + 1
    with pytest.raises(PublishRefused) as refused:
        publish(folder, "triage", broken, by="dana", constants=CONSTANTS, now=NOW)
    problem = refused.value.problems[0]
    assert problem.path == folder / "triage.yaml"
    assert problem.line is not None
    assert line <= problem.line <= line + 2
    assert "invalid YAML" in problem.message
    assert snapshot(folder) == before


def test_a_flow_error_is_refused_with_file_and_line(folder: Path) -> None:
    broken = edited(folder, "to: family_thanks", "to: nowhere")
    draft = check_draft(folder, "triage", broken, CONSTANTS)
    assert not draft.ok
    assert any("unknown node 'nowhere'" in e.message for e in draft.errors)
    assert all(e.path == folder / "triage.yaml" and e.line for e in draft.errors)
    assert draft.scenarios == 0


def test_a_failing_scenario_refuses_the_publish(folder: Path) -> None:
    before = snapshot(folder)
    draft_text = edited(folder, WELCOME_CHECKED, "Who is this for")
    draft = check_draft(folder, "triage", draft_text, CONSTANTS)
    assert draft.errors == ()
    assert draft.scenarios == len(list((folder / "scenarios").glob("*.yaml")))
    failure = draft.failures[0]
    assert failure.path.name == "triage.secular_online_cut_down.yaml"
    assert failure.line is not None
    assert WELCOME_CHECKED in failure.message
    with pytest.raises(PublishRefused, match=WELCOME_CHECKED):
        publish(folder, "triage", draft_text, by="dana", constants=CONSTANTS, now=NOW)
    assert snapshot(folder) == before


def test_the_live_text_again_is_refused_as_no_change(folder: Path) -> None:
    with pytest.raises(PublishRefused, match="no change"):
        publish(folder, "triage", triage(folder), by="dana", constants=CONSTANTS, now=NOW)
    assert not (folder / ".versions").exists()


@pytest.mark.parametrize("name", ["newflow", "messages", "../triage"])
def test_only_existing_flow_files_can_be_published(folder: Path, name: str) -> None:
    with pytest.raises(PublishRefused, match="only existing flow files"):
        publish(folder, name, triage(folder), by="dana", constants=CONSTANTS, now=NOW)


def test_rollback_restores_the_archived_text_and_records_it(folder: Path) -> None:
    original = triage(folder)
    new = edited(folder, OLD_SUBSTANCE, NEW_SUBSTANCE)
    publish(folder, "triage", new, by="dana", constants=CONSTANTS, now=NOW)
    back = rollback(folder, "triage", version_of(original), by="lee", constants=CONSTANTS, now=NOW)
    assert triage(folder) == original
    assert back.action is Action.ROLLBACK
    assert back.previous == version_of(new)
    history = FlowVersions(folder).history("triage")
    assert [(h.action, h.version, h.by) for h in history] == [
        (Action.ROLLBACK, version_of(original), "lee"),
        (Action.PUBLISH, version_of(new), "dana"),
    ]
    with pytest.raises(PublishRefused, match="is live already"):
        rollback(folder, "triage", version_of(original), by="lee", constants=CONSTANTS, now=NOW)


def test_rollback_is_not_blocked_by_failing_scenarios(folder: Path) -> None:
    original = triage(folder)
    new = edited(folder, OLD_SUBSTANCE, NEW_SUBSTANCE)
    publish(folder, "triage", new, by="dana", constants=CONSTANTS, now=NOW)
    # A scenario written for the new wording: the original version fails it.
    (folder / "scenarios" / "triage.new_wording.yaml").write_text(
        "flow: triage\nname: new wording\nsteps:\n"
        '  - send: hi\n  - send: "1"\n    replies: ["What brings you here"]\n'
    )
    back = rollback(folder, "triage", version_of(original), by="lee", constants=CONSTANTS, now=NOW)
    assert triage(folder) == original
    assert [w.path.name for w in back.warnings] == ["triage.new_wording.yaml"]
    assert "What brings you here" in back.warnings[0].message


def test_rollback_still_refuses_a_version_that_no_longer_builds(folder: Path) -> None:
    before = snapshot(folder)
    broken = edited(folder, "to: family_thanks", "to: nowhere")
    FlowVersions(folder).archive("triage", broken, version_of(broken))
    with pytest.raises(PublishRefused, match="unknown node 'nowhere'"):
        rollback(folder, "triage", version_of(broken), by="lee", constants=CONSTANTS, now=NOW)
    with pytest.raises(PublishRefused, match="not in the archive"):
        rollback(folder, "triage", "0123456789ab", by="lee", constants=CONSTANTS, now=NOW)
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if not k.startswith(".versions")} == before
    assert not (folder / ".versions" / "triage" / "history.jsonl").exists()


def test_concurrent_publishes_do_not_both_win(folder: Path) -> None:
    texts = [edited(folder, OLD_SUBSTANCE, f"Edit {i}. {OLD_SUBSTANCE}") for i in range(2)]
    outcomes: list[str] = []

    def run(text: str) -> None:
        try:
            publish(folder, "triage", text, by="dana", constants=CONSTANTS, now=NOW)
            outcomes.append("published")
        except PublishRefused as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=run, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = FlowVersions(folder).history("triage")
    # Either one won and the other saw the live file change, or they ran one after the other.
    assert outcomes.count("published") == len(history)
    assert triage(folder) in texts
    assert history[0].version == version_of(triage(folder))


def test_impact_counts_conversations_at_removed_and_changed_nodes(runtime: Runtime) -> None:
    for n, answers in enumerate([["hi"], ["hi", "1"], ["hola", "1"], ["hi", "2"]]):
        for i, body in enumerate(answers):
            runtime.conversations.receive_text(
                number=f"+1206555010{n}", body=body, message_sid=f"SM{n}{i}"
            )
    folder = runtime.catalog.folder
    live = live_sessions(runtime.redis, "triage")
    old = runtime.catalog.current.entry(Channel.SMS)
    assert sorted(s.node for s in live) == ["substance", "substance", "substance", "welcome"]
    assert {s.version for s in live} == {old.version}
    assert live_sessions(runtime.redis, "call") == []

    constants = runtime.catalog.constants
    draft = check_draft(folder, "triage", edited(folder, OLD_SUBSTANCE, NEW_SUBSTANCE), constants)
    new = draft.candidate.get("triage") if draft.candidate else None
    assert new is not None
    changed = impact(old, new, live)
    assert changed.changed == ("substance",)
    assert changed.removed == ()
    assert changed.added == ()
    assert (changed.live, changed.waiting_changed, changed.waiting_removed) == (4, 3, 0)

    without_welcome = replace(new, nodes={k: v for k, v in new.nodes.items() if k != "welcome"})
    removed = impact(old, without_welcome, live)
    assert removed.removed == ("welcome",)
    assert (removed.waiting_removed, removed.waiting_changed) == (1, 3)
    assert impact(old, old, live).changed == ()
    gone = impact(old, None, [LiveSession(node="welcome", version="x")])
    assert set(gone.removed) == set(old.nodes)
    assert gone.waiting_removed == 1


def test_a_draft_is_checked_without_touching_the_folder(folder: Path) -> None:
    before = snapshot(folder)
    draft = check_draft(folder, "triage", edited(folder, OLD_SUBSTANCE, NEW_SUBSTANCE), CONSTANTS)
    assert draft.ok
    assert draft.failures == ()
    candidate = draft.candidate.get("triage") if draft.candidate else None
    assert candidate is not None
    substance = candidate.nodes["substance"].say
    assert substance is not None
    assert NEW_SUBSTANCE in substance.by_language["en"]
    assert snapshot(folder) == before
    assert FlowCatalog(folder, CONSTANTS).current.entry(Channel.SMS).version == version_of(
        triage(folder)
    )
