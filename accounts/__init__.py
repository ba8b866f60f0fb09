"""Who may use Dozor and what they did: web.db's accounts with their password policy, and its
hash-chained audit log with the checks of its chain and of the heads witnessed outside web.db.

Below both the web UI and the CLI, which manage accounts and write and verify audit entries alike; it
imports only the foundation (edge), so `dozor user`, `dozor search` and `dozor audit verify` never load
Flask.
"""
