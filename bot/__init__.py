"""glifbot: a self-hosted Discord bot for Glif."""
