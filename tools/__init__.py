"""Development and test tooling, not part of the installed runtime packages: the DevNet
test fixture, dev job builders, simulations and code generators. Scripts and tests
import it from the repository root; nothing in protocol, oracles, matcher, provider or
gpuc imports it (import-linter)."""
