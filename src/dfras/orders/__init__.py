"""Orders: a scope's orders as a filtered, sorted page, and one order with its story."""
