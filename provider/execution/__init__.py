"""Run one job in its own process under a wall-time and a memory limit.

The executor (``executor.JobExecutor``) turns every way a job can end into a
typed outcome (``outcome``) so the agent keeps serving whatever a job does.
Job kinds (``kinds``) are registered by name (``registry``).
"""
