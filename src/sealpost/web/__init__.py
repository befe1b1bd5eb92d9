"""Web pages per role (sender PWA, courier terminal, regulator dashboard)."""
