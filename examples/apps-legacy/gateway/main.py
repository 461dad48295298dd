from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


# Mounted at /api/py: as on Vercel, the runtime strips the prefix and passes it as root_path.
@app.get("/{rest:path}", response_class=PlainTextResponse)
def gateway(rest: str, request: Request):
    return f"hello from py-api at /{rest} (root_path {request.scope['root_path']})"
