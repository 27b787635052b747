"""Engine-neutral queries: the delivery fact, counts and checks, compiled per engine."""
