"""Exceptions shared by the ingest rooms and the reference loaders (one direction: both import this)."""

from __future__ import annotations


class IngestError(Exception):
    """The run must stop: the message is Russian and says what to fix."""
