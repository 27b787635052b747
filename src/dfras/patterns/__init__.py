"""Outcome series, anomalies, patterns (recurring, anomaly, seasonal, trend) and event
correlations (temporal, spatial, statistical) with causal-chain graphs.

The entry the faces call is :mod:`dfras.patterns.service`; results live in the tables
``pattern_detections`` and ``event_correlations`` (DDL in :mod:`dfras.store.schema`).
"""
