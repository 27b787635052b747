"""KPIs: the headline figures of a delivery operation, read from the delivery fact."""
