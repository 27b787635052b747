"""The delivery fact concern: keeping the one-row-per-order table current."""
