"""`inv frontend.doctor`: walk the chain that serves the site (CloudFront → origin → bucket
policy → bucket → index.html → certificate) and say which link is broken and how to fix it.

observe.py reads a :class:`~.snapshot.SiteSnapshot` through injected clients; checks.py is pure
(one function per link, each unit-testable); render.py draws the report.
"""
