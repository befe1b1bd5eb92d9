"""The terminal / enterprise client SDK."""
