"""/audit: the latest staff actions for admins, filtered and paged; the audit log itself is kernel/audit.py."""
