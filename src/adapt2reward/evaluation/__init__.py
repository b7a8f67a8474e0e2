"""Evaluation: planning protocols, offline metrics and the report."""
