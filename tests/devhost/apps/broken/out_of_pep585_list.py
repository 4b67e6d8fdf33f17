"""A queue output annotated `func.Out[list[str]]`: the worker takes typing.List[str], not list[str]."""
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="done", connection="AzureWebJobsStorage")
def forward(message: func.QueueMessage, done: func.Out[list[str]]) -> None:
    done.set([message.get_body().decode()])
