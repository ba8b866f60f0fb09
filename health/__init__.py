"""Is the appliance doing its job? Read-only views across the stores: the status snapshot (`dozor status`,
`/healthz`, the admin page), the nightly summary and the site acceptance report.

Above recorder and plate_index (it reads both stores), below the CLI and the web UI (both show it).
"""
