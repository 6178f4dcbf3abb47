"""Sandbox venue over binary WebSocket on loopback: wire protocol and request signing."""
