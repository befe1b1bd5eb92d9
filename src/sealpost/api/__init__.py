"""The HTTP API (FastAPI): a thin entry point over the services."""
