"""The task layer: the only code that touches invoke (and, with render modules, rich)."""
