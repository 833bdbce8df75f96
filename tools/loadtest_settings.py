"""Production settings plus one minimal view, for tools/loadtest.py only (never deployed)."""

from cchc.settings import *  # noqa: F403

ROOT_URLCONF = "tools.loadtest_urls"
