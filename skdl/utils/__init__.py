"""Validation helpers, gradient checking, and the types to trust when loading with skops."""

from ._skops import trusted_types

__all__ = ["trusted_types"]
