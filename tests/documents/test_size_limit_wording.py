"""One upload limit, written the same way on the upload page and in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coordinator.config import DefaultConfig

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def app_config(app_config):
    # The shipped limit, not a test override.
    return {**app_config, "MAX_CONTENT_LENGTH": DefaultConfig.MAX_CONTENT_LENGTH}


def test_the_upload_page_and_the_readme_state_the_same_limit(client, login_as, network):
    login_as(network.lead_fp)
    page = client.get(f"/events/{network.event.id}/documents/new").get_data(as_text=True)
    shown = re.search(r"Up to ([0-9.,]+\s*[kMG]B)\.", page).group(1)
    assert shown == "25 MB"
    readme = README.read_text(encoding="utf-8")
    assert re.search(r"`MAX_CONTENT_LENGTH` \(([0-9.,]+ [kMG]B)", readme).group(1) == shown
    assert DefaultConfig.MAX_CONTENT_LENGTH == 25_000_000
