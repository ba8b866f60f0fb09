"""Who may use Dozor and what they did: web.db's accounts and its hash-chained audit log.

Below both the web UI and the CLI, which manage accounts and write audit entries alike; it imports only
the foundation (edge), so `dozor user` and `dozor search` never load Flask.
"""
