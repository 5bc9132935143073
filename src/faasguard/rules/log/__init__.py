"""LOG rules."""
