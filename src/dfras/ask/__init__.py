"""Plain-English questions: a deterministic parser, the names in the data, and the answer."""
