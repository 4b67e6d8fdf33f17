"""A `context` parameter (no binding of that name) annotated with something else than func.Context."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
def consume(message: func.QueueMessage, context: dict) -> None:
    pass
