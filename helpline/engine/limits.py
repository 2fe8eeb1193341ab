"""Every engine limit and default, with its unit. Hitting one fails the session, not the process."""

from __future__ import annotations

from datetime import timedelta

MAX_NODES_PER_FLOW = 500
"""A flow larger than this is a mistake (goflow allows 1,000; ours are phone-sized)."""

MAX_ACTIONS_PER_NODE = 20
MAX_ROUTES_PER_NODE = 50
MAX_WORDS_PER_CHOICE = 100

MAX_STEPS_PER_SPRINT = 100
"""Nodes entered for one input; more means a loop of nodes that never wait."""

MAX_SPRINTS_PER_SESSION = 500
"""Inputs one conversation may take before it is failed and the caller sent to a person."""

MAX_INPUT_CHARS = 1600
"""Twilio's longest inbound body; longer input is cut before matching."""

MAX_REGEX_CHARS = 200
"""Operators' patterns stay short; Python's re has no timeout."""

MAX_RETRY_ATTEMPTS = 10

SMS_SESSION_EXPIRES_AFTER = timedelta(days=7)
"""Default life of an SMS conversation since its last wait (configurable per flow)."""

VOICE_SESSION_EXPIRES_AFTER = timedelta(minutes=5)
"""Default life of a voice conversation: a call does not wait for days."""

PROMPT_SEGMENT_WARNING = 2
"""Prompts longer than this many SMS segments draw a warning from `flows check`."""
