"""Benchmarks behind ``sealpost bench …``."""
