"""Ingestion: files in, validated canonical rows out, nothing lost or half-written."""
