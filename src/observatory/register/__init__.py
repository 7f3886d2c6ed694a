"""The register of recommendations and their action plans (issue 14): people confirm the
machine's split recommendations into a stable register, appraise them (SMART), and follow
each through actions, progress, evidence and verified closure. Rules live in
observatory_core (smart.py, actionplan.py and data/register/*.toml)."""
