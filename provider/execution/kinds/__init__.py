"""The job kinds this agent runs, one module each.

Kept free of imports so a job process loads only its own kind's module
(``provider.execution.default_kinds`` gathers them for the agent).
"""
