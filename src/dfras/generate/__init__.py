"""Synthetic delivery data with known planted causes, for testing DFRAS end to end.

``generate(out_dir, orders=..., seed=...)`` writes the eight CSVs of the sample layout plus an
answer key (``truth.json``, ``truth_orders.csv``); ``SCENARIOS`` names the scenarios. See
docs/generator.md.
"""

from dfras.generate.causes import SCENARIOS
from dfras.generate.service import GenerationSummary, generate

__all__ = ["SCENARIOS", "GenerationSummary", "generate"]
