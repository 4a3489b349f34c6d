"""`inv cors.apply`: a bucket's CORS origins (and a function's origin variables) set to exactly the
origins stored in Parameter Store — never a wildcard.

origins.py reads and validates the origins; plan.py (pure) decides the rules and variables;
apply.py writes them (or not: the dry-run executor); render.py draws before → after.
"""
