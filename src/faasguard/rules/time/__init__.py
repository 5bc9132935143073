"""TIME rules."""
