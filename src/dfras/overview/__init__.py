"""The overview: headline KPIs, their daily trend and the top causes of one scope."""
