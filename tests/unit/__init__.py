"""Unit tests: one module per source module of the generator package."""
