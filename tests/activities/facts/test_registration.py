"""Every declared fact has its activity: a function of the declared name, in the activity module
named like the fact's domain module, registered under that name in the app."""

from __future__ import annotations

import importlib
import pkgutil

import activities.facts
import domain.facts
import function_app
from devhost.functions import index_app
from domain.facts.base import specs


def test_each_declared_fact_is_a_named_activity_function_of_the_app():
    registered = {f.name: f for f in index_app(function_app.app)}  # the SDK indexes an app only once
    for fact in specs():
        module = importlib.import_module(f"activities.facts.{fact.value_type.__module__.rsplit('.', 1)[-1]}")
        function = getattr(module, fact.activity)
        assert function.__name__ == fact.activity and registered[fact.activity].func is function
        assert registered[fact.activity].trigger_type == "activityTrigger"


def test_every_activity_module_has_a_declared_fact_and_back():
    activity_modules = {m.name for m in pkgutil.iter_modules(activities.facts.__path__) if not m.name.startswith("_")}
    domain_modules = {m.name for m in pkgutil.iter_modules(domain.facts.__path__)} - {"base"}
    assert activity_modules == domain_modules
    assert {s.value_type.__module__.rsplit(".", 1)[-1] for s in specs()} == domain_modules
