"""The code the generated models run on, copied into every generated package (no dfgen import)."""
