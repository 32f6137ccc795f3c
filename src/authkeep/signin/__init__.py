"""Hosted sign-in pages."""
