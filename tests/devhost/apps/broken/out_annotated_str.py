"""A queue output binding whose parameter is annotated `str` instead of `func.Out[str]`."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="done", connection="AzureWebJobsStorage")
def forward(message: func.QueueMessage, done: str) -> None:
    done.set(message.get_body().decode())
