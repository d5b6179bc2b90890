"""Outputs: events to JSON Lines and to tables."""
