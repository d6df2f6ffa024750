"""Issue 7, security: every scenario of docs/reliability.md#security, against the real processes."""
