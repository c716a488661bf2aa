"""Liaison's services; each folder is readable on its own and none imports another."""
