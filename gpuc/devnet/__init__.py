"""Development networks: a local anvil chain, a local oracle committee, and the cheat mode
`gpuc provider run --cheat` loads. Used by `gpuc up`, `gpuc chain` and the demo; the
services (oracles, matcher, provider) never import it (import-linter)."""
