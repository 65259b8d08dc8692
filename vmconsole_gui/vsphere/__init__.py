"""Async vCenter REST client: sessions, inventory, power, console tickets. Never imports Qt."""
