"""Pathways training side: catalogue build, cohort, fitting, evaluation and model registry."""
