"""Plinto's settings plus one bare JSON view, the framework floor the benchmarks compare with."""

from plinto.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
