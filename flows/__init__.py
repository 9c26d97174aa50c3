"""Prefect flows of transpub: thin layers whose tasks each call one library function."""
