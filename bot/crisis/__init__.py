"""Crisis playbooks at run time: the desk, intake of matching cases, reminders, early warning, review."""
