"""Authentication schemes: none, HTTP Digest (firmware < 7) and token (firmware >= 7)."""
