"""The root-cause engine: scoped questions, segment explanations, comparisons, causes."""
