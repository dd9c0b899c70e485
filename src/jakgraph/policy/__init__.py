"""What may run: the query-safety rules (SERVICE/SSRF targets, query limits) applied before anything runs."""
