"""Adapters at the edges: storage, key store, crypto suites, OCR, printing, telephony, queue."""
