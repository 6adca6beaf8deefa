"""The shipped crisis playbooks (YAML), installed as package data of `socialdesk`; read with importlib.resources."""
