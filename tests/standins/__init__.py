"""Real HTTP servers on loopback that stand in for the platforms socialdesk talks to."""
