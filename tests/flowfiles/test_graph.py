from __future__ import annotations

from pathlib import Path

from helpline.flowfiles.catalog import load_flow_set
from helpline.flowfiles.graph import mermaid

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}


def test_every_node_and_edge_is_drawn() -> None:
    flow = load_flow_set(REPO / "flows", CONSTANTS).flows["triage"]
    text = mermaid(flow)
    assert text.startswith("flowchart TD\n")
    for node in flow.nodes.values():
        assert f"n_{node.name}" in text
        for route in node.routes:
            assert f"| n_{route.to}" in text
    assert 'n_after_approach{"after_approach?"}' in text  # a check node is a diamond
    assert "-.->|3 unclear replies| n_offer_person" in text
    # quotes and pipes never reach Mermaid raw
    assert '"' not in text.replace('["', "").replace('"]', "").replace('("', "").replace(
        '")', ""
    ).replace('{"', "").replace('"}', "")
