"""Sandbox venue over binary WebSocket on loopback: wire protocol, request signing, server and
the node's client (`create_sandbox_venue`, the factory a config's `kind = "sandbox"` names)."""


def create_sandbox_venue(node, venue_config):
    """Build the node's SandboxClient for one venue config (see hft.adapters.sandbox.client)."""
    from hft.adapters.sandbox.client import create_sandbox_venue as create

    return create(node, venue_config)
