"""Pre-aggregated daily summaries: what the overview and reports read instead of the fact.

One row per (day, city, warehouse, partner company, client) with outcome counts and money, and
one per (day, ..., outcome, primary cause) with cause counts; a few thousand rows stand in for
millions of orders, so headline figures answer in milliseconds at 1M orders. They are rebuilt
after each import (:mod:`dfras.ingest.service`) or lazily when the data version moved on.
"""
