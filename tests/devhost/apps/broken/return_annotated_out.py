"""An HTTP function whose return is annotated `func.Out[...]`."""
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.Out[func.HttpResponse]:
    return func.HttpResponse("hello")
