"""transpub: Chinese → English translation and publishing for KaiYuanShe."""

__version__ = "0.1.0"
