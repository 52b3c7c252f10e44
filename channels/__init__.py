"""Rasa input/output channels: Telegram, Zalo and the hotline console (added by their issues)."""
