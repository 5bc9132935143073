"""CONF rules."""
