"""Failure risk of open orders: features, model, registry, service."""
