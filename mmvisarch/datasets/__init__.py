"""Datasets: toy-data generators (no registered dataset classes yet)."""
