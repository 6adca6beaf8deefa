"""Crisis playbooks: the YAML schema, loading with file/line errors, statement rendering and checks."""
