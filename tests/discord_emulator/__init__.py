"""A Discord API emulator (REST + gateway) for end-to-end tests of a real discord.py client.

Modules: ``emulator`` (the facade tests use), ``gateway`` (websocket), ``rest`` (HTTP routes),
``interactions`` (interaction rules), ``limits`` (what Discord rejects), ``state``/``models`` (the
world), ``messages`` (message objects), ``recorder`` (request log), ``harness`` (running a client),
``patching`` (pointing discord.py here), ``fixtures`` (pytest).
"""

from .emulator import DiscordEmulator, EmulatorConfig
from .harness import FAKE_TOKEN, running_client
from .interactions import InteractionRecord
from .messages import UploadedFile
from .models import Channel, Guild, Member, Overwrite, Permission, Role, User
from .patching import patch_discord
from .recorder import RecordedRequest
from .state import StandardGuild

__all__ = [
    "FAKE_TOKEN",
    "Channel",
    "DiscordEmulator",
    "EmulatorConfig",
    "Guild",
    "InteractionRecord",
    "Member",
    "Overwrite",
    "Permission",
    "RecordedRequest",
    "Role",
    "StandardGuild",
    "UploadedFile",
    "User",
    "patch_discord",
    "running_client",
]
