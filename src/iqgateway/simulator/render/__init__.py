"""Render a synthetic device's state as the exact JSON/XML documents a real Envoy serves."""
