"""Workspace detection and start-up tasks (Gitpod, Codespaces, a plain machine)."""
