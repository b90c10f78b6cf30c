"""Cell markers shared by the reader (tasks/read.py) and the contract (schemas/contracts.py).

The contract must not depend on the reader, so the one marker both need lives here."""

from __future__ import annotations


class Formula(str):
    """A formula with no cached value, kept as its marker so the contract can reject it."""
