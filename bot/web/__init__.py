"""The HTTP side of the bot: an aiohttp app run beside the Discord client."""
