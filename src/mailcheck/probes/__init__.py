"""Probes: they record what servers do, and never interpret it."""
