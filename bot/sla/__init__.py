"""SLA alerts: the scan that moves cases through at-risk, breach and page, and per-case snoozes."""
