"""Ports: the interfaces the services need, one module per area."""
