"""The managers' digest: yesterday every morning, and a weekly review (issue #4, items 4, 5 and 7)."""
