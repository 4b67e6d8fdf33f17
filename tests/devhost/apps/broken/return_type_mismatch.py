"""An HTTP function whose return annotation the `http` output binding can't carry."""
import azure.functions as func

app = func.FunctionApp()


@app.route(route="count")
def count(req: func.HttpRequest) -> int:
    return 1
