"""One process of a bot cluster, for the tests: the real ``python -m bot run`` with discord.py
pointed at the Discord emulator (the only difference from production).

    python -m tests.cluster_bot API_BASE GATEWAY_URL [bot arguments…]
"""

from __future__ import annotations

import sys

from bot.cli import main
from tests.discord_emulator.patching import patch_discord

if __name__ == "__main__":
    api_base, gateway_url, *arguments = sys.argv[1:]
    with patch_discord(api_base, gateway_url):
        sys.exit(main(arguments))
