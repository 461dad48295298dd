from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
@app.get("/{rest:path}", response_class=PlainTextResponse)
def ledger(request: Request):
    return f"hello from ledger at {request.url.path}"
