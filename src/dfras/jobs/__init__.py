"""Batch jobs that run under ``spark-submit`` (see docs/scale-out.md)."""
