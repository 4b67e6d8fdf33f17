"""An HTTP trigger whose parameter is not named like its binding (`req` by default)."""
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello")
def hello(request: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")
