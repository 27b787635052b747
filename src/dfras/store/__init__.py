"""Stores: where canonical tables live. ``open_store`` picks one from a location."""

from dfras.store.open import open_store

__all__ = ["open_store"]
