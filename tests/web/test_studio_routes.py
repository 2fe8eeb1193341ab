"""The operators' studio over real HTTP: checking, publishing and rolling back a flow,
its impact on live conversations, the simulator, and refusals that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpline.console.accounts import Accounts, Role
from helpline.flowfiles.versions import FlowVersions
from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio
from tests.support.console import OPERATOR_PASSWORD, Console, add_accounts
from tests.support.phone import Phone

OLD_PROMPT = "What is it about? Reply 1 alcohol"
NEW_PROMPT = "What would you like help with? Reply 1 alcohol"
PHONE_A, PHONE_B = "+12065550123", "+12065550177"


@pytest.fixture(autouse=True)
def accounts(settings: Settings) -> None:
    add_accounts(settings)


@pytest.fixture
def triage(flows_dir: Path) -> Path:
    return flows_dir / "triage.yaml"


def edited(path: Path, old: str = OLD_PROMPT, new: str = NEW_PROMPT) -> str:
    text = path.read_text()
    assert old in text
    return text.replace(old, new, 1)


def simulate(console: Console, **form: str) -> tuple[int, dict[str, object]]:
    response = console.http.post(
        "/console/studio/flows/triage/simulate",
        data=form,
        headers={"X-CSRF-Token": console.csrf, **console.cookie_header()},
    )
    return response.status_code, json.loads(response.text)


def test_the_flows_page_lists_flows_checks_and_scenarios(operator: Console) -> None:
    page = operator.get("/console/studio")
    assert page.status_code == 200
    assert 'data-flow="triage"' in page.text
    assert 'data-flow="call"' in page.text
    assert "All flow files load." in page.text
    assert "✓ triage.secular_online_cut_down.yaml" in page.text


def test_a_broken_file_on_disk_shows_on_the_flows_page(
    operator: Console, triage: Path, runtime: Runtime
) -> None:
    triage.write_text(triage.read_text().replace("start: welcome", "start: nowhere"))
    runtime.catalog.reload()
    page = operator.get("/console/studio")
    assert "still serving the last good version" in page.text
    assert "triage.yaml:" in page.text


def test_a_flow_page_has_its_text_diagram_and_simulator(operator: Console, triage: Path) -> None:
    page = operator.get("/console/studio/flows/triage")
    assert page.status_code == 200
    assert 'id="flow-text"' in page.text
    assert "What is it about? Reply 1 alcohol" in page.text
    assert '<pre class="mermaid">flowchart' in page.text
    assert "/console/static/vendor/mermaid.min.js" in page.text
    assert 'data-url="/console/studio/flows/triage/simulate"' in page.text
    assert operator.get("/console/static/vendor/mermaid.min.js").status_code == 200
    assert operator.get("/console/studio/flows/nope").status_code == 404
    assert operator.get("/console/studio/flows/messages").status_code == 404


def test_checking_an_edit_writes_nothing_and_shows_the_impact(
    operator: Console, triage: Path, app_url: str, fake_twilio: FakeTwilio
) -> None:
    waiting = Phone(app_url, fake_twilio.auth_token, PHONE_A)
    waiting.text("hi")
    waiting.text("1")  # now waiting at `substance`, the node the edit changes
    before = triage.read_text()
    response = operator.post("/console/studio/flows/triage/check", {"text": edited(triage)})
    assert response.status_code == 200
    assert "scenario files pass" in response.text
    assert "Changed: substance." in response.text
    assert '<strong class="live-count">1</strong> conversation in this flow' in response.text
    assert "<strong>1</strong> waiting at a changed node" in response.text
    assert triage.read_text() == before


def test_an_edit_that_does_not_load_gets_file_and_line_and_changes_nothing(
    operator: Console, triage: Path
) -> None:
    before = triage.read_text()
    broken = before.replace("start: welcome", "start: [welcome", 1)
    response = operator.post("/console/studio/flows/triage/publish", {"text": broken})
    assert response.status_code == 422
    assert "Not published: nothing was changed." in response.text
    assert "triage.yaml:" in response.text
    assert triage.read_text() == before
    assert FlowVersions(triage.parent).history("triage") == []


def test_an_edit_whose_scenarios_fail_is_refused(operator: Console, triage: Path) -> None:
    before = triage.read_text()
    text = edited(triage, "Is this for you or someone you care about?", "Who is this for?")
    checked = operator.post("/console/studio/flows/triage/check", {"text": text})
    assert checked.status_code == 422
    assert "scenarios/triage.secular_online_cut_down.yaml:" in checked.text
    published = operator.post("/console/studio/flows/triage/publish", {"text": text})
    assert published.status_code == 422
    assert "scenarios/triage.secular_online_cut_down.yaml:" in published.text
    assert triage.read_text() == before


def test_publishing_the_live_text_again_is_refused(operator: Console, triage: Path) -> None:
    response = operator.post("/console/studio/flows/triage/publish", {"text": triage.read_text()})
    assert response.status_code == 422
    assert "no change" in response.text


def test_a_forged_publish_changes_nothing(operator: Console, triage: Path) -> None:
    before = triage.read_text()
    response = operator.post(
        "/console/studio/flows/triage/publish", {"text": edited(triage)}, csrf="forged"
    )
    assert response.status_code == 403
    assert triage.read_text() == before


def test_publish_then_roll_back_while_a_conversation_keeps_its_version(
    operator: Console, triage: Path, app_url: str, fake_twilio: FakeTwilio
) -> None:
    original = triage.read_text()
    in_flight = Phone(app_url, fake_twilio.auth_token, PHONE_A)
    in_flight.text("hi")  # waiting at welcome, on the original version

    published = operator.post(
        "/console/studio/flows/triage/publish",
        {"text": edited(triage), "note": "warmer substance question"},
    )
    assert published.status_code == 303
    page = operator.get(published.headers["location"])
    assert "Published version" in page.text
    assert "conversations already under way keep the version they started on" in page.text
    assert "warmer substance question" in page.text
    assert NEW_PROMPT in triage.read_text()

    newcomer = Phone(app_url, fake_twilio.auth_token, PHONE_B)
    newcomer.text("hi")
    assert NEW_PROMPT in newcomer.text("1").texts[0]
    assert OLD_PROMPT in in_flight.text("1").texts[0]

    (entry,) = FlowVersions(triage.parent).history("triage")
    assert entry.by == "Olive"
    assert entry.previous is not None
    assert f'name="version" value="{entry.previous}"' in page.text
    rolled = operator.post("/console/studio/flows/triage/rollback", {"version": entry.previous})
    assert rolled.status_code == 303
    assert "Rolled back to version" in operator.get(rolled.headers["location"]).text
    assert triage.read_text() == original

    again = Phone(app_url, fake_twilio.auth_token, "+12065550188")
    again.text("hi")
    assert OLD_PROMPT in again.text("1").texts[0]


def test_rolling_back_to_an_unknown_version_is_refused(operator: Console, triage: Path) -> None:
    before = triage.read_text()
    response = operator.post("/console/studio/flows/triage/rollback", {"version": "abcdef12"})
    assert response.status_code == 422
    assert "not in the archive" in response.text
    assert triage.read_text() == before


def test_the_simulator_runs_the_live_flow_and_an_edited_draft(
    operator: Console, triage: Path
) -> None:
    status, first = simulate(operator, action="say", text="hi")
    assert status == 200
    assert "Is this for you or someone you care about?" in str(first["items"])
    sim = str(first["simulation"])
    status, second = simulate(operator, action="say", text="1", simulation=sim)
    assert second["simulation"] == sim
    assert OLD_PROMPT in str(second["items"])
    assert second["status"] == "Waiting at substance (en)."
    status, waited = simulate(operator, action="timeout", simulation=sim)
    assert "Still there?" in str(waited["items"])
    status, crisis = simulate(operator, action="say", text="i want to die", simulation=sim)
    assert "988" in str(crisis["items"])
    assert "escalation to a person" in str(crisis["items"])

    status, fresh = simulate(operator, action="reset", simulation=sim)
    assert fresh["items"] == []
    draft = edited(triage)
    simulate(operator, action="say", text="hi", simulation=str(fresh["simulation"]), draft=draft)
    status, drafted = simulate(
        operator, action="say", text="1", simulation=str(fresh["simulation"]), draft=draft
    )
    assert NEW_PROMPT in str(drafted["items"])
    assert NEW_PROMPT not in triage.read_text()


def test_the_simulator_refuses_a_broken_draft_and_a_missing_token(
    operator: Console, triage: Path
) -> None:
    broken = triage.read_text().replace("start: welcome", "start: nowhere")
    status, answer = simulate(operator, action="say", text="hi", draft=broken)
    assert status == 422
    assert "triage.yaml" in str(answer["error"])
    response = operator.http.post(
        "/console/studio/flows/triage/simulate",
        data={"action": "say", "text": "hi"},
        headers=operator.cookie_header(),
    )
    assert response.status_code == 403


def test_one_operator_cannot_continue_anothers_simulation(
    operator: Console, app_url: str, settings: Settings
) -> None:
    Accounts.load(settings.accounts_path).with_account(
        "Omar", Role.OPERATOR, OPERATOR_PASSWORD
    ).save()
    _, first = simulate(operator, action="say", text="hi")
    other = Console(app_url)
    other.login("Omar", OPERATOR_PASSWORD)
    _, theirs = simulate(other, action="say", text="1", simulation=str(first["simulation"]))
    other.close()
    assert theirs["simulation"] != first["simulation"]
    assert OLD_PROMPT not in str(theirs["items"])  # a fresh conversation, not Olive's
    _, mine = simulate(operator, action="say", text="1", simulation=str(first["simulation"]))
    assert mine["simulation"] == first["simulation"]
    assert OLD_PROMPT in str(mine["items"])


def test_an_unwritable_flows_folder_publishes_nothing_and_says_why(
    operator: Console, triage: Path, flows_dir: Path
) -> None:
    before = triage.read_text()
    # Where the archive must go there is a file: the OSError a read-only mount gives too
    # (a permission change would not stop tests running as root).
    (flows_dir / ".versions").write_text("")
    response = operator.post("/console/studio/flows/triage/publish", {"text": edited(triage)})
    assert response.status_code == 503
    assert "could not be written" in response.text
    assert triage.read_text() == before


def _note(n: int) -> str:
    # Spaces keep a note from matching inside the page's random CSRF token or nonce,
    # which a bare "n2" sometimes did.
    return f"publish note number {n}"


def test_history_is_newest_first_and_the_deployed_version_can_come_back(
    operator: Console, triage: Path
) -> None:
    original = triage.read_text()
    for n in (1, 2, 3):
        text = original.replace("What is it about?", f"What is it about ({n})?", 1)
        done = operator.post(
            "/console/studio/flows/triage/publish", {"text": text, "note": _note(n)}
        )
        assert done.status_code == 303
    history = FlowVersions(triage.parent).history("triage")
    page = operator.get("/console/studio/flows/triage").text
    notes = [page.index(_note(n)) for n in (3, 2, 1)]
    assert notes == sorted(notes)  # newest first
    deployed = history[-1].previous
    assert deployed is not None
    assert f'name="version" value="{deployed}"' in page
    assert _note(3) not in operator.get("/console/studio").text  # notes stay on the flow page
    assert "Olive" in operator.get("/console/studio").text
    rolled = operator.post("/console/studio/flows/triage/rollback", {"version": deployed})
    assert rolled.status_code == 303
    assert triage.read_text() == original


def test_a_data_file_is_not_a_flow_to_simulate(operator: Console) -> None:
    response = operator.http.post(
        "/console/studio/flows/messages/simulate",
        data={"action": "say", "text": "hi"},
        headers={"X-CSRF-Token": operator.csrf, **operator.cookie_header()},
    )
    assert response.status_code == 404
