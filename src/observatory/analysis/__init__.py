"""National analysis: standard tables, trends, cohorts, reports; every cell drills down."""
