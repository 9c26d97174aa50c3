"""The curated glossary: terms, the term matcher, CSV dialects and TBX exchange."""
