import os
import urllib.request

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/api/shop/ledger", response_class=PlainTextResponse)
def ledger():
    base = os.environ["LEDGER_URL"]
    with urllib.request.urlopen(base.rstrip("/") + "/", timeout=10) as res:
        body = res.read().decode("utf-8")
    return f"shop got: {body}"


@app.get("/api/shop", response_class=PlainTextResponse)
@app.get("/api/shop/{rest:path}", response_class=PlainTextResponse)
def shop(request: Request):
    return f"hello from shop at {request.url.path}"
