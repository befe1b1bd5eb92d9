"""Use cases: one module per use case, plain functions that take the ports they need."""
