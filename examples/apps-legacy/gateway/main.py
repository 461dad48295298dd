from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/{rest:path}", response_class=PlainTextResponse)
def gateway(rest: str):
    return f"hello from py-api at /{rest}"
