"""Pathways domain core: catalogue, assessment scoring, features, ranking and explanations.

Pure Python and numpy: no web framework, no database, no environment variables.
"""

from recommender.dimensions import APTITUDES, PLANS, RIASEC, WORK_VALUES

__all__ = ["APTITUDES", "PLANS", "RIASEC", "WORK_VALUES"]
