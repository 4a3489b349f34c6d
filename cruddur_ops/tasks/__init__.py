"""Invoke task modules, one per namespace. Thin: flags → config → core → render → exit code."""
