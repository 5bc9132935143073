"""TRIG rules."""
