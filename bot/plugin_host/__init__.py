"""socialdesk's side of the plugin API: loading plugins, isolating them, wiring them into the core.

Plugin authors never import this package; they import `socialdesk.plugins`.
"""
