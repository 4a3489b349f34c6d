"""`inv lambda.doctor`: walk every link a VPC Lambda needs to read its database secret and reach
RDS (function → role → VPC attachment → a way to Secrets Manager → endpoint SG 443 → DB SG 5432 →
GetSecretValue → secret policy → KMS → timeout) and name the broken one with its fix.

Same layers as :mod:`cruddur_ops.doctor`: observe.py reads a :class:`~.snapshot.LambdaSnapshot`
through injected clients (read-only; what it may not read is recorded per link); checks.py is pure;
the report is drawn by :mod:`cruddur_ops.doctor.render`.
"""
