"""liaison."""
