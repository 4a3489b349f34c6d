"""Network access for the workspace: its public IP and the database's ingress rule
(``inv rds.update-sg-rule``, and the SG step of ``inv workspace.init``)."""
