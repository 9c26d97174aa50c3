"""Bootstrapping from existing translations: align a Chinese document with its published English
version, into translation memory (origin ``aligned``) and catalog drafts."""
