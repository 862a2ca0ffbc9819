"""Readers: every usage and cost source into a relation with the canonical columns (DESIGN.md 1).

    analytics.py       saved Usage and Cost Analytics API responses (usage and cost)
    analytics_api.py   --from-api against the Analytics API (every page, --save-responses)
"""
