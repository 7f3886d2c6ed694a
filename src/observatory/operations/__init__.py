"""Running the service: health and readiness, metrics, structured logs with request ids,
worker heartbeats and the recovery of jobs whose worker died, the scheduler of periodic
work, backups and restores, and the administrators' page about the queue
(docs/deployment.md)."""
