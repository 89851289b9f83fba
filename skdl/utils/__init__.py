"""Validation helpers and gradient checking."""
