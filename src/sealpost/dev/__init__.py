"""Developer tools: synthetic test data (never real people)."""
