"""The top of the import graph: the task namespace (``tasks.py``, ``inv``) and the ``cruddur-ops``
console script. Nothing else imports this package; it imports the task modules, which import
their support from ``cli/`` below them."""
