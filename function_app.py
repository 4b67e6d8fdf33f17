"""The Functions app: it creates the app and registers each module's blueprint (and, if
TOKEN_PREFETCH_AT_START asks for it, starts fetching the app tokens in the background).

A cold start pays for what is imported here: the blueprints hold the functions' names and bindings,
and their bodies import the code a request needs on the first one (bench.coldstart measures it)."""

import azure.durable_functions as df
import azure.functions as func

from activities.events import bp as events
from activities.facts import bp as facts
from activities.setup import bp as setup
from activities.status import bp as status
from orchestrators.blueprint import bp as orchestrators
from services.startup import start_token_prefetch
from triggers.health_deep import bp as health_deep
from triggers.http_api import bp as http_api
from triggers.operator_views import bp as operator_views
from triggers.queue_intake import bp as queue_intake
from triggers.review import bp as review

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (http_api, health_deep, review, operator_views, queue_intake, orchestrators, facts,
                  setup, events, status):
    app.register_functions(blueprint)
# The code a first link runs beyond the blueprints: with the warm-up on, it loads in the background too.
FIRST_REQUEST_MODULES = ("orchestrators.link_environment", "orchestrators.preflight", "triggers.api_handlers")
start_token_prefetch(modules=FIRST_REQUEST_MODULES)
