"""Roles: administrators list the roles held in their scope and revoke them (/roles)."""
