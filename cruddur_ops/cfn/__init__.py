"""CloudFormation stacks under ``aws/cfn/<stack>/``: lint, change sets, deploy, outputs.

observe (read stack / change set / events) → plan (pure decisions and rows) → apply (create,
execute, wait through an injected client) → render (rich tables). ``outputs.stack_outputs`` is
the public entry other domains (frontend.sync, frontend.doctor) use to read a stack's outputs.
"""
