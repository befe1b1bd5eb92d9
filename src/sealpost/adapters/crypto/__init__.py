"""Crypto suites, key store and field encryption."""
