"""A queue trigger (an input) annotated `func.Out[str]`."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
def consume(message: func.Out[str]) -> None:
    pass
