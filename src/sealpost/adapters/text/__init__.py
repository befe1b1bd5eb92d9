"""Text adapters (Chinese script conversion)."""
