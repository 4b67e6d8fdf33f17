"""A queue output binding declared in the decorator with no parameter for it."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="done", connection="AzureWebJobsStorage")
def forward(message: func.QueueMessage) -> None:
    pass
