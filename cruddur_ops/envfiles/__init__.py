"""Rendering ``erb_templates/*.env.erb`` into env files (``inv env.render``)."""
