"""DFRAS: Delivery Failure Root-cause Analysis System.

Joins orders, warehouse and fleet logs, external factors and feedback into one delivery fact,
and explains why deliveries fail or run late with statistics that never overclaim.
"""

__version__ = "0.1.0"
