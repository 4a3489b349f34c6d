"""S3 + CloudFront sync: observe (local.py, remote.py) → plan (plan.py, pure) → render (render.py)
→ apply (apply.py, executors with injected clients) → invalidate (invalidation.py).

The successor of the ``aws_s3_website_sync`` gem: same changeset format (a superset of it), but
size-then-MD5 equality that survives multipart/SSE-KMS objects, parallel uploads ordered assets →
HTML → deletes, delete caps, conditional writes, and a cost-aware invalidation planner.
"""
