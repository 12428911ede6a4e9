"""Exceptions of the patron package."""
from ._runtime import PatronError, fail  # noqa: F401

__all__ = ["PatronError"]
