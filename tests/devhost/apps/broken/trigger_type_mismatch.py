"""A queue trigger annotated with a type its converter doesn't produce."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
def consume(message: int) -> None:
    pass
