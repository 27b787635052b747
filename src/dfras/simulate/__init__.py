"""What-if simulation: fit on history, Monte Carlo a period under a scenario, rank mitigations."""
