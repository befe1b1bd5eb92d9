"""The pure domain core: identity documents, masking, items, waybills, records, policies.

Nothing in this package imports a web framework, a database library or a crypto library;
``tests/unit/test_architecture.py`` enforces it.
"""
