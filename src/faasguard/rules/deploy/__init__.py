"""DEPLOY rules."""
