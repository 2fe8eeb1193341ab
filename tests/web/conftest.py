"""Console logins the web tests share: an operator (Olive) and a staff member (Sam)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.console import OPERATOR_PASSWORD, Console


@pytest.fixture
def operator(app_url: str) -> Iterator[Console]:
    """Olive, logged in (accounts come from tests.support.console.add_accounts)."""
    c = Console(app_url)
    assert c.login("Olive", OPERATOR_PASSWORD).status_code == 303
    yield c
    c.close()
