"""Staff at a glance: /stats, the evening summary with its chart, and /export."""
