"""IAM policy reading: a pure evaluator of identity and resource policies (no AWS calls)."""
