"""Code generators: protocol/contract_errors.py and the contract artifacts."""
