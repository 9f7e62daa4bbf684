"""Running container tasks on a local OCI engine (podman or Docker): the engine
interface and its commands, the run itself with logs and metrics, and the test
image recipe. Shared by the provider (runs tasks) and the oracles (re-run
deterministic ones)."""
